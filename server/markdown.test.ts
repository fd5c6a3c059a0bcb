import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders headings one level down, lists and code', () => {
    const html = renderMarkdown('## Intent\n\n- one\n- `two`\n');
    expect(html).toContain('<h3>Intent</h3>');
    expect(html).toContain('<li><code>two</code></li>');
  });
  it('escapes raw HTML and refuses unsafe links', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('href="javascript:');
  });
  it('marks links nofollow noopener', () => {
    expect(renderMarkdown('[docs](https://example.com)')).toContain('<a href="https://example.com" rel="nofollow noopener noreferrer">docs</a>');
  });
});
