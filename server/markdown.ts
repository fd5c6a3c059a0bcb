import 'server-only';
import MarkdownIt from 'markdown-it';

// User-written markdown to HTML, safely: raw HTML is escaped (html: false), links are limited to
// safe schemes by markdown-it's validateLink (no javascript:, vbscript:, file:, data:), and every
// link gets rel="nofollow noopener noreferrer".
const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'nofollow noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Markdown → sanitized HTML. Headings are shifted down one level so the page keeps a single h1. */
export function renderMarkdown(text: string): string {
  const tokens = md.parse(text, {});
  for (const t of tokens) {
    if ((t.type === 'heading_open' || t.type === 'heading_close') && /^h[1-5]$/.test(t.tag)) t.tag = `h${Number(t.tag[1]) + 1}`;
  }
  return md.renderer.render(tokens, md.options, {});
}
