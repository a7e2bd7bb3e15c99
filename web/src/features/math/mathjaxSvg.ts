/**
 * MathJax (TeX in, SVG out) run in the app, not in the card: the card frame runs no script.
 * Each formula becomes self-contained SVG (no font files, no font cache shared between
 * formulas), which the frame's policy allows. Loaded on first use: it is large.
 */
import { liteAdaptor } from "mathjax-full/js/adaptors/liteAdaptor.js";
import { RegisterHTMLHandler } from "mathjax-full/js/handlers/html.js";
import { TeX } from "mathjax-full/js/input/tex.js";
import { AllPackages } from "mathjax-full/js/input/tex/AllPackages.js";
import { mathjax } from "mathjax-full/js/mathjax.js";
import { SVG } from "mathjax-full/js/output/svg.js";

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);

const NOT_OFFLINE = new Set(["require", "autoload"]);
const document = mathjax.document("", {
  InputJax: new TeX({ packages: AllPackages.filter((name) => !NOT_OFFLINE.has(name)) }),
  OutputJax: new SVG({ fontCache: "none" }),
});

/** One formula as `<mjx-container>` markup holding an SVG; TeX errors show as MathJax shows them. */
export function texToSvg(tex: string, display: boolean): string {
  const node = document.convert(tex, { display });
  return adaptor.outerHTML(node);
}
