// Draws the icicle from {unit, root, truncated, source}; a frame's width is its share of its
// parent (children that add up to more than the parent, as call counts can, are scaled to fit).
(function () {
  const vscode = acquireVsCodeApi();
  const head = document.getElementById('head');
  const detail = document.getElementById('detail');
  const graph = document.getElementById('graph');
  const ROW = 18;

  function fmt(v, unit) {
    if (unit !== 'ns') return `${Math.round(v).toLocaleString('en-US')} calls`;
    if (v < 1e3) return `${v.toFixed(0)} ns`;
    if (v < 1e6) return `${(v / 1e3).toFixed(1)} µs`;
    if (v < 1e9) return `${(v / 1e6).toFixed(2)} ms`;
    return `${(v / 1e9).toFixed(2)} s`;
  }

  function colour(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return `hsl(${20 + (h % 40)}, ${70 + (h % 20)}%, ${58 + (h % 12)}%)`;
  }

  function draw(g) {
    graph.textContent = '';
    detail.textContent = '';
    if (!g) { head.textContent = 'No trace loaded: run "Import trace…" or "Trace this command…".'; return; }
    const total = g.root.value;
    head.textContent = `${g.source} — ${fmt(total, g.unit)} in ${g.root.children.length} top-level frames${g.truncated ? ' (thin or deep frames left out)' : ''}. Click a frame to open its source.`;
    if (total <= 0) return;
    let depthMax = 0;
    const place = (node, x, w, depth, isRoot) => {
      if (w < 0.0005) return;
      depthMax = Math.max(depthMax, depth);
      const el = document.createElement('div');
      el.className = isRoot ? 'frame root' : 'frame';
      el.style.left = `${x * 100}%`;
      el.style.width = `${w * 100}%`;
      el.style.top = `${depth * ROW}px`;
      el.style.background = isRoot ? 'var(--vscode-badge-background)' : colour(node.name);
      el.textContent = node.name;
      el.dataset.name = node.name;
      const info = `${node.name} — ${fmt(node.value, g.unit)} (${((node.value / total) * 100).toFixed(1)}% of all)`;
      el.title = info;
      el.setAttribute('role', 'treeitem');
      el.addEventListener('mouseenter', () => { detail.textContent = info; });
      if (!isRoot) el.addEventListener('click', () => vscode.postMessage({ type: 'open', name: node.name }));
      graph.appendChild(el);
      const sum = node.children.reduce((a, c) => a + c.value, 0);
      const scale = sum > node.value ? node.value / sum : 1;
      let cx = x;
      for (const c of node.children) {
        const cw = node.value > 0 ? w * ((c.value * scale) / node.value) : 0;
        place(c, cx, cw, depth + 1, false);
        cx += cw;
      }
    };
    place(g.root, 0, 1, 0, true);
    graph.style.height = `${(depthMax + 1) * ROW}px`;
  }

  window.addEventListener('message', (e) => { if (e.data && e.data.type === 'data') draw(e.data.graph); });
  vscode.postMessage({ type: 'ready' });
})();
