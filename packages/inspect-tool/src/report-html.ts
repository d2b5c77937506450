import type { FsNode } from './fs-tree.js';
import type { EfficiencyReport } from './efficiency.js';
import type { HistoryRow } from './history.js';
import type { InspectResult } from './inspect.js';
import { humanBytes } from './human-bytes.js';

export interface ReportData {
  reference: string;
  inspect: InspectResult;
  history: HistoryRow[];
  efficiency: EfficiencyReport;
  root: FsNode;
}

/** A compact tree for the page: [name, type letter, size, layer, children?]. */
type PackedNode = [string, string, number, number, PackedNode[]?];

const TYPE_LETTER: Record<FsNode['type'], string> = { file: 'f', dir: 'd', symlink: 'l', hardlink: 'h', char: 'c', block: 'b', fifo: 'p' };

function pack(node: FsNode): PackedNode {
  const children = node.children ? [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map(pack) : undefined;
  const size = children ? children.reduce((s, c) => s + c[2], 0) : node.size;
  const packed: PackedNode = [node.type === 'symlink' ? `${node.name} -> ${node.linkname}` : node.name, TYPE_LETTER[node.type], size, node.layer];
  if (children) packed.push(children);
  return packed;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A horizontal bar per layer: stored size and content bytes, as inline SVG. */
export function layerChart(rows: HistoryRow[]): string {
  const layers = rows.filter((r) => r.layer !== null);
  const max = Math.max(1, ...layers.map((r) => Math.max(r.size, r.contentBytes)));
  const barHeight = 22;
  const labelWidth = 90;
  const width = 720;
  const height = layers.length * (barHeight * 2 + 10) + 30;
  const scale = (n: number) => Math.max(1, Math.round((n / max) * (width - labelWidth - 110)));
  const bars = layers.map((r, i) => {
    const y = 20 + i * (barHeight * 2 + 10);
    const title = escapeHtml(r.createdBy || r.digest || '');
    return `<g><title>${title}</title>
<text x="0" y="${y + barHeight - 6}" class="lbl">layer ${r.layer}</text>
<rect x="${labelWidth}" y="${y}" width="${scale(r.size)}" height="${barHeight - 2}" class="stored"/>
<text x="${labelWidth + scale(r.size) + 6}" y="${y + barHeight - 6}" class="val">${humanBytes(r.size)} stored</text>
<rect x="${labelWidth}" y="${y + barHeight}" width="${scale(r.contentBytes)}" height="${barHeight - 2}" class="content"/>
<text x="${labelWidth + scale(r.contentBytes) + 6}" y="${y + barHeight * 2 - 6}" class="val">${humanBytes(r.contentBytes)} of files</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" id="layer-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="layer sizes">
<text x="0" y="12" class="val">Layer sizes</text>${bars.join('\n')}</svg>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.muted{color:#667}.card{background:#fff;border:1px solid #dde;border-radius:8px;padding:12px 16px;margin:8px 0}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}code{font:12px ui-monospace,monospace;word-break:break-all}
svg .stored{fill:#3b6fd8}svg .content{fill:#8fb0ee}svg .lbl,svg .val{font:12px system-ui,sans-serif;fill:#334}
.score{font-size:28px;font-weight:600}.bad{color:#b3261e}.good{color:#1e7a3a}
#tree ul{list-style:none;margin:0;padding-left:18px}#tree li{white-space:nowrap}#tree summary{cursor:pointer}
#tree .sz{color:#667;margin-left:8px;font-size:12px}#tree .ly{color:#99a;margin-left:6px;font-size:11px}`;

/** Renders the packed tree lazily: a folder's children are built when it is opened. */
const SCRIPT = `(function(){var data=JSON.parse(document.getElementById('tree-data').textContent);
function human(n){var u=['B','kB','MB','GB','TB'],i=0;while(n>=1000&&i<u.length-1){n/=1000;i++}return i?n.toFixed(1)+' '+u[i]:n+' B'}
function label(n){var s=document.createElement('span');s.textContent=n[0];var z=document.createElement('span');z.className='sz';z.textContent=human(n[2]);
var l=document.createElement('span');l.className='ly';l.textContent=n[3]>=0?'layer '+n[3]:'';var f=document.createDocumentFragment();f.append(s,z,l);return f}
function list(nodes){var ul=document.createElement('ul');nodes.forEach(function(n){var li=document.createElement('li');
if(n[4]){var d=document.createElement('details'),sm=document.createElement('summary');sm.append(label(n));d.append(sm);
d.addEventListener('toggle',function once(){if(d.open&&d.children.length<2){d.append(list(n[4]))}});li.append(d)}else{li.append(label(n))}ul.append(li)});return ul}
var root=document.getElementById('tree');root.append(list(data[4]||[]));var first=root.querySelector('details');if(first){first.open=true}})();`;

/** One self-contained HTML page: no network, no external scripts or styles. */
export function renderReport(data: ReportData): string {
  const { inspect, efficiency, history } = data;
  const pct = (efficiency.efficiency * 100).toFixed(1);
  const info: Array<[string, string]> = [
    ['Digest', inspect.Digest],
    ['Created', inspect.Created ?? ''],
    ['Platform', [inspect.Os, inspect.Architecture, inspect.Variant].filter(Boolean).join('/')],
    ['Layers', String(inspect.Layers.length)],
    ['Files', humanBytes(efficiency.visibleBytes)],
  ];
  const historyRows = history
    .map((r) => `<tr><td>${r.layer ?? ''}</td><td class="num">${r.layer === null ? '' : humanBytes(r.size)}</td><td class="num">${r.layer === null ? '' : `${r.added}/${r.changed}/${r.removed}`}</td><td><code>${escapeHtml(r.createdBy)}</code></td></tr>`)
    .join('\n');
  const offenders = efficiency.offenders
    .map((o) => `<tr><td class="num">${o.versions}</td><td class="num">${humanBytes(o.wastedBytes)}</td><td><code>${escapeHtml(o.path)}</code></td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(data.reference)} - oci-inspect report</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(data.reference)}</h1><div class="muted">oci-inspect report</div>
<div class="card"><table>${info.map(([k, v]) => `<tr><th>${k}</th><td><code>${escapeHtml(v)}</code></td></tr>`).join('')}</table></div>
<h2>Layers</h2><div class="card">${layerChart(history)}</div>
<h2>Efficiency</h2><div class="card"><span class="score ${efficiency.efficiency < 0.9 ? 'bad' : 'good'}" id="efficiency">${pct}%</span>
<span class="muted"> ${humanBytes(efficiency.wastedBytes)} wasted of ${humanBytes(efficiency.totalBytes)}</span>
${offenders ? `<table><tr><th class="num">Versions</th><th class="num">Wasted</th><th>Path</th></tr>${offenders}</table>` : ''}</div>
<h2>History</h2><div class="card"><table><tr><th>Layer</th><th class="num">Size</th><th class="num">+/~/-</th><th>Created by</th></tr>${historyRows}</table></div>
<h2>Files</h2><div class="card" id="tree"></div>
<script type="application/json" id="tree-data">${scriptJson(pack(data.root))}</script>
<script>${SCRIPT}</script></body></html>
`;
}
