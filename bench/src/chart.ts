/**
 * A grouped horizontal bar chart as SVG, one group per result row, one bar per figure (e.g. p50 /
 * p95 / p99). Hand-written on purpose: no chart library for a dozen rectangles.
 */
const COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948'];

export function barChartSvg(title: string, rows: Array<{ label: string; values: Record<string, number> }>, unit: string): string {
  const figures = [...new Set(rows.flatMap((row) => Object.keys(row.values)))];
  const max = Math.max(1, ...rows.flatMap((row) => Object.values(row.values)));
  const barHeight = 14;
  const groupHeight = figures.length * barHeight + 12;
  const left = 170;
  const width = 760;
  const plotWidth = width - left - 90;
  const height = 60 + rows.length * groupHeight + 24;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  figures.forEach((figure, i) => {
    parts.push(`<rect x="${left + i * 130}" y="34" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${left + i * 130 + 14}" y="43">${escapeXml(figure)}</text>`);
  });
  rows.forEach((row, r) => {
    const top = 56 + r * groupHeight;
    parts.push(`<text x="10" y="${top + (figures.length * barHeight) / 2 + 4}">${escapeXml(row.label)}</text>`);
    figures.forEach((figure, i) => {
      const value = row.values[figure] ?? 0;
      const barWidth = Math.max(1, (value / max) * plotWidth);
      const y = top + i * barHeight;
      parts.push(`<rect x="${left}" y="${y}" width="${barWidth.toFixed(1)}" height="${barHeight - 2}" fill="${COLORS[i % COLORS.length]}"/>`);
      parts.push(`<text x="${(left + barWidth + 4).toFixed(1)}" y="${y + barHeight - 4}">${value} ${escapeXml(unit)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
