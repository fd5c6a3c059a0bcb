import { describe, expect, it } from 'vitest';
import { addNode } from '@/patterns/language/document';
import { createDesignerStore } from './designer-store';

const TEXT = `apiVersion: meshloom.dev/v1alpha1
kind: Pattern
metadata: {name: d, title: D, category: resiliency}
spec:
  services:
    - {name: web, calls: [api]}
    - {name: api, versions: [v1, v2]}
  routes:
    - service: api
      rules:
        - backends: [{version: v1, weight: 90}, {version: v2, weight: 10}]
`;

describe('designer store', () => {
  it('derives the graph from the text', () => {
    const s = createDesignerStore({ text: TEXT });
    expect(s.getState().graph.nodes.map((n) => n.id)).toEqual(['service:web', 'service:api']);
    expect(s.getState().graph.edges.map((e) => e.id)).toEqual(['call:web->api']);
  });

  it('keeps one undo history across canvas and YAML edits', () => {
    const s = createDesignerStore({ text: TEXT });
    expect(s.getState().edit((t) => addNode(t, 'service', { name: 'db' }).text)).toBe(true);
    expect(s.getState().graph.nodes).toHaveLength(3);
    s.getState().setText(s.getState().text.replace('name: web', 'name: www'), 'yaml');
    expect(s.getState().graph.nodes.map((n) => n.data.name)).toContain('www');
    s.getState().undo();
    expect(s.getState().graph.nodes.map((n) => n.data.name)).toEqual(['web', 'api', 'db']);
    s.getState().undo();
    expect(s.getState().text).toBe(TEXT);
    s.getState().redo();
    expect(s.getState().graph.nodes).toHaveLength(3);
  });

  it('coalesces quick YAML typing into one undo step', () => {
    const s = createDesignerStore({ text: TEXT });
    s.getState().setText(TEXT.replace('title: D', 'title: Da'), 'yaml');
    s.getState().setText(TEXT.replace('title: D', 'title: Dab'), 'yaml');
    expect(s.getState().past).toHaveLength(1);
    s.getState().undo();
    expect(s.getState().text).toBe(TEXT);
  });

  it('maps diagnostics to badges on the node or edge they concern, with lines', () => {
    const s = createDesignerStore({ text: TEXT });
    s.getState().setText(TEXT.replace('{version: v2, weight: 10}', '{version: v3, weight: 10}'), 'yaml');
    const st = s.getState();
    expect(st.markers.find((d) => d.code === 'ML3002')?.line).toBe(11);
    expect(Object.keys(st.problems).sort()).toEqual(['call:web->api', 'service:api']);
    // The canvas keeps the last valid graph while the text is broken.
    expect(st.graph.nodes).toHaveLength(2);
  });

  it('turns a failing canvas edit into a notice and changes nothing', () => {
    const s = createDesignerStore({ text: 'a: [' });
    expect(s.getState().edit((t) => addNode(t, 'service').text)).toBe(false);
    expect(s.getState().notice?.kind).toBe('error');
    expect(s.getState().text).toBe('a: [');
  });

  it('refuses edits when read-only', () => {
    const s = createDesignerStore({ text: TEXT, readOnly: true });
    expect(s.getState().edit((t) => addNode(t, 'service').text)).toBe(false);
    expect(s.getState().text).toBe(TEXT);
  });
});
