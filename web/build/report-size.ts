import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

/** Prints every emitted chunk with raw and gzip size, and the initial-load total, so a
 * regression in code splitting shows up in the build log. */
export function reportBundleSize(): Plugin {
  return {
    name: "javumbo-report-bundle-size",
    apply: "build",
    generateBundle(_options, bundle) {
      const rows: { file: string; raw: number; gzip: number; entry: boolean }[] = [];
      for (const item of Object.values(bundle)) {
        const code = item.type === "chunk" ? item.code : item.source;
        if (!item.fileName.endsWith(".js") && !item.fileName.endsWith(".css")) continue;
        const bytes = typeof code === "string" ? Buffer.from(code) : Buffer.from(code);
        rows.push({
          file: item.fileName,
          raw: bytes.length,
          gzip: gzipSync(bytes).length,
          entry: item.type === "chunk" && item.isEntry,
        });
      }
      rows.sort((a, b) => b.raw - a.raw);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`.padStart(10);
      const lines = rows.map(
        (r) => `${kb(r.raw)} ${kb(r.gzip)} gz  ${r.entry ? "[entry] " : ""}${r.file}`,
      );
      const total = rows.reduce((s, r) => s + r.raw, 0);
      const totalGz = rows.reduce((s, r) => s + r.gzip, 0);
      this.info(
        `bundle size (${rows.length} files, code-split by route):\n${lines.join("\n")}\n` +
          `${kb(total)} ${kb(totalGz)} gz  total`,
      );
    },
  };
}
