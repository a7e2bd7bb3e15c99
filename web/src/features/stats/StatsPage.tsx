import { useMemo, useState } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ComposedChart,
  Legend,
  Line,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { ErrorNotice } from "../../components/ErrorNotice";
import { errorMessage } from "../../lib/errors";
import { DeckSelect } from "../decks/DeckSelect";
import { useStats, type Stats } from "./api";

const COLORS = {
  learn: "#e0873a",
  review: "#3fa564",
  relearn: "#d24b4b",
  filtered: "#7f6bd6",
  young: "#7cc49a",
  mature: "#2e7d4f",
  new: "#3b82f6",
  suspended: "#c9b458",
  buried: "#8a8f99",
  accent: "#3b6fd8",
};

const tooltipStyle = {
  contentStyle: { background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--text)" },
  labelStyle: { color: "var(--text)" },
};

function Chart({ title, subtitle, children, testId }: { title: string; subtitle?: string; children: React.ReactNode; testId?: string }) {
  return (
    <figure className="chart panel" data-testid={testId}>
      <figcaption>
        <h2>{title}</h2>
        {subtitle && <p className="muted small">{subtitle}</p>}
      </figcaption>
      <div className="chart-body">{children}</div>
    </figure>
  );
}

function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export default function StatsPage() {
  const [deckId, setDeckId] = useState<number | null>(null);
  const [days, setDays] = useState(30);
  const stats = useStats(deckId, days);
  const data = stats.data;
  const error = stats.error ? errorMessage(stats.error) : null;

  const perDay = useMemo(
    () => (data?.reviews_per_day ?? []).map((d) => ({ ...d, label: d.date.slice(5) })),
    [data],
  );
  const forecast = useMemo(
    () => (data?.forecast ?? []).map((d) => ({ ...d, label: d.day === 0 ? "today" : `+${d.day}d` })),
    [data],
  );
  const hourly = useMemo(
    () => (data?.hourly ?? []).map((d) => ({ ...d, pct: d.rate === null ? null : Math.round(d.rate * 100) })),
    [data],
  );
  const counts = data?.card_counts;
  const pie = counts
    ? [
        { name: "New", value: counts.new, color: COLORS.new },
        { name: "Learning", value: counts.learning + counts.relearning, color: COLORS.learn },
        { name: "Young", value: counts.young, color: COLORS.young },
        { name: "Mature", value: counts.mature, color: COLORS.mature },
        { name: "Suspended", value: counts.suspended, color: COLORS.suspended },
        { name: "Buried", value: counts.buried, color: COLORS.buried },
      ].filter((slice) => slice.value > 0)
    : [];
  const today = data?.today;
  const difficulty = data?.difficulty;
  const useDifficulty = (difficulty?.total ?? 0) > 0;

  return (
    <section className="page">
      <div className="page-head">
        <h1>Statistics</h1>
        <div className="inline-form">
          <DeckSelect label="Deck" value={deckId} placeholder="All decks" onChange={setDeckId} onClear={() => setDeckId(null)} />
          <select aria-label="Period" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            <option value={30}>1 month</option>
            <option value={90}>3 months</option>
            <option value={365}>1 year</option>
          </select>
        </div>
      </div>
      <ErrorNotice message={error} />
      {!data ? (
        <div className="page-loading">Loading statistics…</div>
      ) : (
        <>
          <div className="tiles">
            <div className="tile" data-testid="studied-today">
              <span className="tile-value">{today?.studied ?? 0}</span>
              <span className="tile-label">cards studied today</span>
            </div>
            <div className="tile">
              <span className="tile-value">{Math.round((today?.time_secs ?? 0) / 60)} min</span>
              <span className="tile-label">spent today</span>
            </div>
            <div className="tile">
              <span className="tile-value">{today?.again ?? 0}</span>
              <span className="tile-label">pressed Again</span>
            </div>
            <div className="tile">
              <span className="tile-value">{data.streak.current}</span>
              <span className="tile-label">day streak (best {data.streak.longest})</span>
            </div>
          </div>
          <div className="charts">
            <Chart title="Reviews per day" subtitle={`Answers in the last ${days} days`} testId="chart-reviews">
              <ResponsiveContainer width="100%" height={220}>
                <BarChart data={perDay}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
                  <XAxis dataKey="label" tick={{ fontSize: 11, fill: "var(--muted)" }} minTickGap={12} />
                  <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "var(--muted)" }} width={32} />
                  <Tooltip {...tooltipStyle} />
                  <Legend wrapperStyle={{ fontSize: 12 }} />
                  <Bar isAnimationActive={false} dataKey="learn" name="Learn" stackId="a" fill={COLORS.learn} />
                  <Bar isAnimationActive={false} dataKey="review" name="Review" stackId="a" fill={COLORS.review} />
                  <Bar isAnimationActive={false} dataKey="relearn" name="Relearn" stackId="a" fill={COLORS.relearn} />
                  <Bar isAnimationActive={false} dataKey="filtered" name="Filtered" stackId="a" fill={COLORS.filtered} />
                </BarChart>
              </ResponsiveContainer>
            </Chart>
            <Chart title="Forecast" subtitle="Cards due in the coming days" testId="chart-forecast">
              <ResponsiveContainer width="100%" height={220}>
                <BarChart data={forecast}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
                  <XAxis dataKey="label" tick={{ fontSize: 11, fill: "var(--muted)" }} minTickGap={12} />
                  <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "var(--muted)" }} width={32} />
                  <Tooltip {...tooltipStyle} />
                  <Legend wrapperStyle={{ fontSize: 12 }} />
                  <Bar isAnimationActive={false} dataKey="learning" name="Learning" stackId="f" fill={COLORS.learn} />
                  <Bar isAnimationActive={false} dataKey="review" name="Review" stackId="f" fill={COLORS.review} />
                </BarChart>
              </ResponsiveContainer>
            </Chart>
            <Chart title="Card intervals" subtitle={`Mean ${Math.round(data.intervals.mean ?? 0)} days, longest ${data.intervals.max ?? 0}`}>
              <ResponsiveContainer width="100%" height={200}>
                <BarChart data={data.intervals.buckets}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
                  <XAxis dataKey="ivl" tick={{ fontSize: 11, fill: "var(--muted)" }} unit="d" />
                  <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "var(--muted)" }} width={32} />
                  <Tooltip {...tooltipStyle} />
                  <Bar isAnimationActive={false} dataKey="count" name="Cards" fill={COLORS.accent} />
                </BarChart>
              </ResponsiveContainer>
            </Chart>
            <Chart
              title={useDifficulty ? "Card difficulty (FSRS)" : "Card ease"}
              subtitle={useDifficulty ? `Mean ${Math.round(difficulty?.mean ?? 0)}%` : `Mean ${Math.round(data.eases.mean ?? 0)}%`}
            >
              <ResponsiveContainer width="100%" height={200}>
                <BarChart<{ count: number }> data={useDifficulty ? (difficulty?.buckets ?? []) : data.eases.buckets}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
                  <XAxis dataKey={useDifficulty ? "difficulty" : "ease"} tick={{ fontSize: 11, fill: "var(--muted)" }} unit="%" />
                  <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "var(--muted)" }} width={32} />
                  <Tooltip {...tooltipStyle} />
                  <Bar isAnimationActive={false} dataKey="count" name="Cards" fill={COLORS.filtered} />
                </BarChart>
              </ResponsiveContainer>
            </Chart>
            <Chart title="Hourly breakdown" subtitle="Answers and success rate by hour of day">
              <ResponsiveContainer width="100%" height={200}>
                <ComposedChart data={hourly}>
                  <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
                  <XAxis dataKey="hour" tick={{ fontSize: 11, fill: "var(--muted)" }} />
                  <YAxis yAxisId="n" allowDecimals={false} tick={{ fontSize: 11, fill: "var(--muted)" }} width={32} />
                  <YAxis yAxisId="p" orientation="right" domain={[0, 100]} unit="%" tick={{ fontSize: 11, fill: "var(--muted)" }} width={40} />
                  <Tooltip {...tooltipStyle} />
                  <Bar isAnimationActive={false} yAxisId="n" dataKey="count" name="Answers" fill={COLORS.accent} />
                  <Line isAnimationActive={false} yAxisId="p" dataKey="pct" name="Correct %" stroke={COLORS.learn} dot={false} connectNulls />
                </ComposedChart>
              </ResponsiveContainer>
            </Chart>
            <Chart title="Card counts">
              {pie.length === 0 ? (
                <div className="empty">No cards yet.</div>
              ) : (
                <ResponsiveContainer width="100%" height={200}>
                  <PieChart>
                    <Pie isAnimationActive={false} data={pie} dataKey="value" nameKey="name" innerRadius={45} outerRadius={75} paddingAngle={2}>
                      {pie.map((slice) => (
                        <Cell key={slice.name} fill={slice.color} />
                      ))}
                    </Pie>
                    <Tooltip {...tooltipStyle} />
                    <Legend wrapperStyle={{ fontSize: 12 }} layout="vertical" align="right" verticalAlign="middle" />
                  </PieChart>
                </ResponsiveContainer>
              )}
            </Chart>
          </div>
          <Chart title="Retention" subtitle="Review answers that were not Again (mature: interval of 21 days or more)" testId="retention">
            <RetentionTable retention={data.retention} />
          </Chart>
          <Chart title="Calendar" subtitle="Reviews per day over the last year" testId="calendar">
            <CalendarHeatmap calendar={data.calendar} />
          </Chart>
        </>
      )}
    </section>
  );
}

const PERIODS = [
  ["today", "Today"],
  ["yesterday", "Yesterday"],
  ["week", "Last week"],
  ["month", "Last month"],
  ["year", "Last year"],
  ["all", "All time"],
] as const;

function RetentionTable({ retention }: { retention: Stats["retention"] }) {
  return (
    <div className="table-wrap">
      <table className="table table--compact">
        <thead>
          <tr>
            <th>Period</th>
            <th>Young</th>
            <th>Mature</th>
            <th>Total</th>
            <th className="hide-narrow">Reviews</th>
          </tr>
        </thead>
        <tbody>
          {PERIODS.map(([key, label]) => {
            const row = retention[key];
            return (
              <tr key={key}>
                <td>{label}</td>
                <td>{percent(row.young.rate)}</td>
                <td>{percent(row.mature.rate)}</td>
                <td>{percent(row.total.rate)}</td>
                <td className="hide-narrow">{row.total.passed + row.total.failed}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function CalendarHeatmap({ calendar }: { calendar: Stats["calendar"] }) {
  const cells = useMemo(() => {
    const counts = new Map<string, number>();
    for (const day of calendar.days) counts.set(day.date, day.count);
    const end = calendar.end ? new Date(`${calendar.end}T12:00:00`) : new Date();
    const start = new Date(end);
    start.setDate(start.getDate() - 364 - start.getDay());
    const list: { date: string; count: number; week: number; weekday: number }[] = [];
    for (let d = new Date(start), i = 0; d <= end; d.setDate(d.getDate() + 1), i++) {
      const iso = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
      list.push({ date: iso, count: counts.get(iso) ?? 0, week: Math.floor(i / 7), weekday: d.getDay() });
    }
    return list;
  }, [calendar]);
  const max = Math.max(1, ...cells.map((c) => c.count));
  const level = (count: number) => (count === 0 ? 0 : Math.min(4, Math.ceil((count / max) * 4)));
  const weeks = cells.length ? cells[cells.length - 1].week + 1 : 0;
  return (
    <div className="heatmap-wrap">
      <svg className="heatmap" viewBox={`0 0 ${weeks * 12} ${7 * 12}`} role="img" aria-label="Reviews per day over the last year">
        {cells.map((cell) => (
          <rect
            key={cell.date}
            x={cell.week * 12}
            y={cell.weekday * 12}
            width={10}
            height={10}
            rx={2}
            className={`heat heat-${level(cell.count)}`}
            data-count={cell.count}
          >
            <title>{`${cell.date}: ${cell.count} ${cell.count === 1 ? "review" : "reviews"}`}</title>
          </rect>
        ))}
      </svg>
      <div className="heatmap-legend muted small">
        Less <span className="heat-swatch heat-0" /> <span className="heat-swatch heat-1" /> <span className="heat-swatch heat-2" />{" "}
        <span className="heat-swatch heat-3" /> <span className="heat-swatch heat-4" /> More
      </div>
    </div>
  );
}
