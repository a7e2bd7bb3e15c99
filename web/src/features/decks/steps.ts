/** Learning steps as the learner types them ("1m 10m 1h 1d") and as Anki stores them (minutes). */
export function parseSteps(text: string): number[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part) => {
      const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(part);
      if (!match) return NaN;
      const value = Number(match[1]);
      return { s: value / 60, m: value, h: value * 60, d: value * 1440, "": value }[match[2] as "s" | "m" | "h" | "d" | ""];
    });
}

export function stepsText(steps: number[]): string {
  return steps
    .map((m) => (m >= 1440 && m % 1440 === 0 ? `${m / 1440}d` : m >= 60 && m % 60 === 0 ? `${m / 60}h` : `${m}m`))
    .join(" ");
}
