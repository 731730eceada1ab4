//! Charts drawn on the server as SVG: a line chart of shares over the monthly dates and a
//! histogram of schools by share. They need no script and no network, scale with the page
//! (`viewBox`), and carry their own axes, ticks, units and labels. Every point has a tooltip
//! (`<title>`) with its exact value.
//!
//! Colours are SVG presentation attributes, not `style`: the pages' Content-Security-Policy
//! allows no inline styles. A histogram's bars have no colour here but a class, which the
//! stylesheet colours: the traffic lights of a status are written once, in `style.css`.

use std::fmt::Write;

use jiff::civil::Date;
use tsos_report::ru;

const WIDTH: f64 = 640.0;
const LINE_HEIGHT: f64 = 290.0;
const BAR_HEIGHT: f64 = 250.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 72.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 48.0;
const AXIS: &str = "#444";
const GRID: &str = "#e2e5ea";
const TEXT: &str = "#222";

/// One line: a role's share over the dates, in percent.
pub(crate) struct Series {
    pub label: String,
    pub color: &'static str,
    /// One value per date of the chart, `None` where there is no share.
    pub values: Vec<Option<f64>>,
    /// The target per date, drawn dashed in the series' colour.
    pub targets: Vec<Option<f64>>,
    /// The tooltip of each point.
    pub tips: Vec<String>,
}

/// A dated event drawn as a dashed vertical line at its date, its text as the tooltip.
pub(crate) struct Marker {
    pub date: Date,
    pub tip: String,
}

const MARKER: &str = "#7a3e9d";

/// A line chart of shares (percent) over `dates`, with `markers` at their dates (those
/// outside the dates' range are left out).
pub(crate) fn line_chart(
    title: &str,
    dates: &[Date],
    series: &[Series],
    markers: &[Marker],
) -> String {
    let mut svg = String::new();
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = LINE_HEIGHT - TOP - BOTTOM;
    let max_value = series
        .iter()
        .flat_map(|s| s.values.iter().chain(&s.targets))
        .flatten()
        .fold(0.0f64, |a, &b| a.max(b));
    let (y_max, step) = y_scale(max_value.max(10.0));
    let x = |idx: usize| {
        if dates.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + 14.0 + idx as f64 * (plot_w - 28.0) / (dates.len() - 1) as f64
        }
    };
    let y = |value: f64| TOP + plot_h - value.clamp(0.0, y_max) / y_max * plot_h;
    open_svg(&mut svg, title, LINE_HEIGHT);
    // Legend: a swatch and the label of each series, then the dashed target.
    let mut lx = LEFT;
    for s in series {
        let _ = write!(
            svg,
            r#"<line x1="{lx:.1}" y1="14" x2="{:.1}" y2="14" stroke="{}" stroke-width="3"/><text x="{:.1}" y="18" font-size="12" fill="{TEXT}">{}</text>"#,
            lx + 18.0,
            s.color,
            lx + 23.0,
            escape(&s.label)
        );
        lx += 40.0 + 7.5 * s.label.chars().count() as f64;
    }
    if series.iter().any(|s| s.targets.iter().any(Option::is_some)) {
        let _ = write!(
            svg,
            r#"<line x1="{lx:.1}" y1="14" x2="{:.1}" y2="14" stroke="{AXIS}" stroke-width="1.5" stroke-dasharray="5 4"/><text x="{:.1}" y="18" font-size="12" fill="{TEXT}">цель</text>"#,
            lx + 18.0,
            lx + 23.0
        );
    }
    // Horizontal grid with percent ticks.
    let mut tick = 0.0;
    while tick <= y_max + 1e-9 {
        let ty = y(tick);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="{GRID}"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="{TEXT}">{} %</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            ty + 4.0,
            tick_label(tick, step)
        );
        tick += step;
    }
    let _ = write!(
        svg,
        r#"<text x="8" y="{:.1}" font-size="11" fill="{TEXT}" transform="rotate(-90 8 {:.1})" text-anchor="middle" dominant-baseline="hanging">Доля активных, %</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    // Axes.
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{:.1}" stroke="{AXIS}"/><line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{AXIS}"/>"#,
        TOP + plot_h,
        TOP + plot_h,
        WIDTH - RIGHT,
        TOP + plot_h
    );
    // Dates: the month, and the year under January and the first date.
    let every = dates.len().div_ceil(12).max(1);
    for (idx, date) in dates.iter().enumerate() {
        let tx = x(idx);
        let base = TOP + plot_h;
        let _ = write!(
            svg,
            r#"<line x1="{tx:.1}" y1="{base:.1}" x2="{tx:.1}" y2="{:.1}" stroke="{AXIS}"/>"#,
            base + 4.0
        );
        if idx % every != 0 && idx + 1 != dates.len() {
            continue;
        }
        let _ = write!(
            svg,
            r#"<text x="{tx:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{TEXT}">{}</text>"#,
            base + 16.0,
            month_short(*date)
        );
        if idx == 0 || date.month() == 1 {
            let _ = write!(
                svg,
                r#"<text x="{tx:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{TEXT}">{}</text>"#,
                base + 30.0,
                date.year()
            );
        }
    }
    // Events under the lines: a dashed vertical line at the date, placed between the two
    // reporting dates around it by the days, with a wide transparent line to hover.
    for marker in markers {
        let Some(mx) = marker_x(dates, marker.date, &x) else {
            continue;
        };
        let _ = write!(
            svg,
            r#"<g class="event"><title>{}</title><line x1="{mx:.1}" y1="{TOP}" x2="{mx:.1}" y2="{:.1}" stroke="{MARKER}" stroke-width="1.5" stroke-dasharray="3 3"/><line x1="{mx:.1}" y1="{TOP}" x2="{mx:.1}" y2="{:.1}" stroke="transparent" stroke-width="9"/></g>"#,
            escape(&marker.tip),
            TOP + plot_h,
            TOP + plot_h
        );
    }
    // Targets first, so that the shares are drawn over them.
    for s in series {
        for (a, b) in segments(&s.targets) {
            let _ = write!(
                svg,
                r#"<polyline fill="none" stroke="{}" stroke-width="1.5" stroke-dasharray="5 4" opacity="0.8" points="{}"/>"#,
                s.color,
                points(a, b, &s.targets, &x, &y)
            );
        }
    }
    let mut end_labels: Vec<(f64, f64, String, &'static str)> = Vec::new();
    for s in series {
        for (a, b) in segments(&s.values) {
            let _ = write!(
                svg,
                r#"<polyline fill="none" stroke="{}" stroke-width="2.5" stroke-linejoin="round" points="{}"/>"#,
                s.color,
                points(a, b, &s.values, &x, &y)
            );
        }
        for (idx, value) in s.values.iter().enumerate() {
            if let Some(value) = value {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}"><title>{}</title></circle>"#,
                    x(idx),
                    y(*value),
                    s.color,
                    escape(s.tips.get(idx).map(String::as_str).unwrap_or_default())
                );
            }
        }
        if let Some((idx, value)) = s
            .values
            .iter()
            .enumerate()
            .rev()
            .find_map(|(idx, v)| v.map(|v| (idx, v)))
        {
            end_labels.push((
                x(idx),
                y(value),
                format!("{} %", ru::decimal(value, 1)),
                s.color,
            ));
        }
    }
    // Labels of the last values, pushed apart where lines end close together.
    end_labels.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut last_y = f64::NEG_INFINITY;
    for (lx, ly, text, color) in end_labels {
        let ly = ly.max(last_y + 14.0);
        last_y = ly;
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="12" font-weight="bold" fill="{color}">{text}</text>"#,
            lx + 8.0,
            ly + 4.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Where a date falls on the x axis of `dates`: between the two dates around it, in
/// proportion to the days; `None` outside the first and last date.
fn marker_x(dates: &[Date], date: Date, x: &impl Fn(usize) -> f64) -> Option<f64> {
    let (first, last) = (*dates.first()?, *dates.last()?);
    if date < first || date > last {
        return None;
    }
    let after = dates.iter().position(|d| *d >= date)?;
    if dates[after] == date || after == 0 {
        return Some(x(after));
    }
    let (a, b) = (dates[after - 1], dates[after]);
    let days = |from: Date, to: Date| (to - from).get_days() as f64;
    let part = days(a, date) / days(a, b).max(1.0);
    Some(x(after - 1) + part * (x(after) - x(after - 1)))
}

/// One bar of a histogram.
pub(crate) struct Bin {
    pub label: String,
    pub count: usize,
    /// The class the stylesheet colours the bar by: a status's code (`green`, `none`, …).
    pub class: &'static str,
    pub tip: String,
}

/// A histogram: schools per share band.
pub(crate) fn histogram(title: &str, bins: &[Bin]) -> String {
    let mut svg = String::new();
    let plot_w = WIDTH - LEFT - 16.0;
    let top = 20.0;
    let plot_h = BAR_HEIGHT - top - BOTTOM;
    let max_count = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let step = count_step(max_count);
    let y_max = (max_count.div_ceil(step) * step) as f64;
    let y = |value: f64| top + plot_h - value / y_max * plot_h;
    open_svg(&mut svg, title, BAR_HEIGHT);
    let mut tick = 0;
    while tick as f64 <= y_max {
        let ty = y(tick as f64);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="{GRID}"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="{TEXT}">{tick}</text>"#,
            LEFT + plot_w,
            LEFT - 6.0,
            ty + 4.0
        );
        tick += step;
    }
    let _ = write!(
        svg,
        r#"<text x="8" y="{:.1}" font-size="11" fill="{TEXT}" transform="rotate(-90 8 {:.1})" text-anchor="middle" dominant-baseline="hanging">Число ОО</text>"#,
        top + plot_h / 2.0,
        top + plot_h / 2.0
    );
    let slot = plot_w / bins.len().max(1) as f64;
    for (idx, bin) in bins.iter().enumerate() {
        let bx = LEFT + idx as f64 * slot + 3.0;
        let by = y(bin.count as f64);
        let _ = write!(
            svg,
            r#"<rect x="{bx:.1}" y="{by:.1}" width="{:.1}" height="{:.1}" class="{}"><title>{}</title></rect>"#,
            slot - 6.0,
            top + plot_h - by,
            bin.class,
            escape(&bin.tip)
        );
        if bin.count > 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{TEXT}">{}</text>"#,
                bx + (slot - 6.0) / 2.0,
                by - 4.0,
                bin.count
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="10.5" text-anchor="middle" fill="{TEXT}">{}</text>"#,
            bx + (slot - 6.0) / 2.0,
            top + plot_h + 15.0,
            escape(&bin.label)
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{:.1}" stroke="{AXIS}"/><line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{AXIS}"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{TEXT}">Доля активных, %</text>"#,
        top + plot_h,
        top + plot_h,
        LEFT + plot_w,
        top + plot_h,
        LEFT + plot_w / 2.0,
        top + plot_h + 34.0
    );
    svg.push_str("</svg>");
    svg
}

/// One segment of a stacked bar: a flow's count, its colour and label.
pub(crate) struct Segment {
    pub label: &'static str,
    pub color: &'static str,
    pub count: u64,
}

/// One bar of a stacked chart: the segments above the axis, bottom first, and one below it.
pub(crate) struct Stack {
    pub date: Date,
    pub up: Vec<Segment>,
    pub down: Segment,
    pub tip: String,
}

/// Stacked bars over dates: users counted above the zero line (retained, returned, new), those
/// lost below it, each segment with its count as a tooltip.
pub(crate) fn stacked_bars(title: &str, stacks: &[Stack]) -> String {
    let mut svg = String::new();
    let plot_w = WIDTH - LEFT - 16.0;
    let top = 30.0;
    let plot_h = BAR_HEIGHT - top - BOTTOM + 10.0;
    let max_up = stacks
        .iter()
        .map(|s| s.up.iter().map(|seg| seg.count).sum::<u64>())
        .max()
        .unwrap_or(0);
    let max_down = stacks.iter().map(|s| s.down.count).max().unwrap_or(0);
    let step = count_step((max_up + max_down).max(1) as usize) as u64;
    let up_max = max_up.div_ceil(step).max(1) * step;
    let down_max = max_down.div_ceil(step) * step;
    let range = (up_max + down_max) as f64;
    let zero = top + up_max as f64 / range * plot_h;
    let scale = |count: u64| count as f64 / range * plot_h;
    open_svg(&mut svg, title, BAR_HEIGHT + 10.0);
    // Legend: the segments of the first bar, in order, then the one below.
    if let Some(first) = stacks.first() {
        let mut lx = LEFT;
        for seg in first.up.iter().chain(std::iter::once(&first.down)) {
            let _ = write!(
                svg,
                r#"<rect x="{lx:.1}" y="6" width="12" height="12" fill="{}"/><text x="{:.1}" y="16" font-size="12" fill="{TEXT}">{}</text>"#,
                seg.color,
                lx + 16.0,
                escape(seg.label)
            );
            lx += 30.0 + 7.0 * seg.label.chars().count() as f64;
        }
    }
    let mut tick = 0;
    while tick <= up_max.max(down_max) {
        for (ty, sign) in [(zero - scale(tick), ""), (zero + scale(tick), "−")] {
            if (sign.is_empty() && tick > up_max)
                || (!sign.is_empty() && (tick == 0 || tick > down_max))
            {
                continue;
            }
            let _ = write!(
                svg,
                r#"<line x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="{GRID}"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="{TEXT}">{sign}{}</text>"#,
                LEFT + plot_w,
                LEFT - 6.0,
                ty + 4.0,
                ru::integer(tick)
            );
        }
        tick += step;
    }
    let _ = write!(
        svg,
        r#"<text x="8" y="{:.1}" font-size="11" fill="{TEXT}" transform="rotate(-90 8 {:.1})" text-anchor="middle" dominant-baseline="hanging">Пользователей</text>"#,
        top + plot_h / 2.0,
        top + plot_h / 2.0
    );
    let slot = plot_w / stacks.len().max(1) as f64;
    for (idx, stack) in stacks.iter().enumerate() {
        let bx = LEFT + idx as f64 * slot + slot * 0.2;
        let bw = slot * 0.6;
        let _ = write!(svg, r#"<g><title>{}</title>"#, escape(&stack.tip));
        let mut y = zero;
        for seg in &stack.up {
            let h = scale(seg.count);
            y -= h;
            let _ = write!(
                svg,
                r#"<rect x="{bx:.1}" y="{y:.1}" width="{bw:.1}" height="{h:.1}" fill="{}"/>"#,
                seg.color
            );
        }
        let _ = write!(
            svg,
            r#"<rect x="{bx:.1}" y="{zero:.1}" width="{bw:.1}" height="{:.1}" fill="{}"/></g>"#,
            scale(stack.down.count),
            stack.down.color
        );
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="10.5" text-anchor="middle" fill="{TEXT}">{} {}</text>"#,
            bx + bw / 2.0,
            top + plot_h + 15.0,
            month_short(stack.date),
            stack.date.year()
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{:.1}" stroke="{AXIS}"/><line x1="{LEFT}" y1="{zero:.1}" x2="{:.1}" y2="{zero:.1}" stroke="{AXIS}"/>"#,
        top + plot_h,
        LEFT + plot_w
    );
    svg.push_str("</svg>");
    svg
}

fn open_svg(svg: &mut String, title: &str, height: f64) {
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif"><title>{}</title>"#,
        escape(title)
    );
}

/// Runs of consecutive values: a missing month breaks the line instead of bridging it.
fn segments(values: &[Option<f64>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (idx, value) in values.iter().enumerate() {
        match (value, start) {
            (Some(_), None) => start = Some(idx),
            (None, Some(s)) => {
                out.push((s, idx - 1));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, values.len() - 1));
    }
    out
}

fn points(
    from: usize,
    to: usize,
    values: &[Option<f64>],
    x: &impl Fn(usize) -> f64,
    y: &impl Fn(f64) -> f64,
) -> String {
    (from..=to)
        .filter_map(|idx| values[idx].map(|v| format!("{:.1},{:.1}", x(idx), y(v))))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The top of the percent axis and its tick step: a round step of 1, 2, 2.5 or 5 × 10ⁿ and
/// about five ticks.
fn y_scale(max_value: f64) -> (f64, f64) {
    let raw = max_value / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    ((max_value / step - 1e-9).ceil() * step, step)
}

fn tick_label(value: f64, step: f64) -> String {
    let places = if step.fract().abs() < 1e-9 { 0 } else { 1 };
    ru::decimal(value, places)
}

fn count_step(max_count: usize) -> usize {
    let raw = max_count.div_ceil(5).max(1);
    let magnitude = 10usize.pow(raw.ilog10());
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10 * magnitude)
}

/// «окт», «янв».
fn month_short(date: Date) -> &'static str {
    const MONTHS: [&str; 12] = [
        "янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек",
    ];
    MONTHS[(date.month() as usize).clamp(1, 12) - 1]
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn scales_are_round() {
        assert_eq!(y_scale(100.0), (100.0, 20.0));
        assert_eq!(y_scale(81.3), (100.0, 20.0));
        assert_eq!(y_scale(10.0), (10.0, 2.0));
        assert_eq!(y_scale(120.0), (125.0, 25.0));
        assert_eq!(count_step(7), 2);
        assert_eq!(count_step(48), 10);
    }

    #[test]
    fn an_event_is_a_dashed_line_at_its_date_within_the_range() {
        let dates = [date(2023, 9, 1), date(2023, 10, 1), date(2023, 11, 1)];
        let series = [Series {
            label: "педагоги".into(),
            color: "#000",
            values: vec![Some(10.0), Some(20.0), Some(30.0)],
            targets: vec![None, None, None],
            tips: vec![String::new(); 3],
        }];
        let marker = |day, tip: &str| Marker {
            date: day,
            tip: tip.into(),
        };
        let svg = line_chart(
            "Доля",
            &dates,
            &series,
            &[
                marker(date(2023, 9, 16), "Переход <на узел>"),
                marker(date(2023, 8, 31), "До графика"),
                marker(date(2023, 11, 2), "После графика"),
            ],
        );
        assert_eq!(svg.matches(r#"<g class="event">"#).count(), 1, "{svg}");
        assert!(
            svg.contains("<title>Переход &lt;на узел&gt;</title>"),
            "{svg}"
        );
        assert!(!svg.contains("До графика") && !svg.contains("После графика"));
        // Half way between the first two dates (15 of 30 days).
        let x = |idx: usize| [10.0, 20.0, 30.0][idx];
        assert_eq!(marker_x(&dates, date(2023, 9, 16), &x), Some(15.0));
        assert_eq!(marker_x(&dates, date(2023, 10, 1), &x), Some(20.0));
        assert_eq!(marker_x(&dates, date(2023, 9, 1), &x), Some(10.0));
    }

    #[test]
    fn gaps_break_lines() {
        let values = [Some(1.0), Some(2.0), None, Some(3.0)];
        assert_eq!(segments(&values), vec![(0, 1), (3, 3)]);
        assert_eq!(segments(&[None, None]), vec![]);
    }

    #[test]
    fn charts_escape_and_label() {
        let svg = line_chart(
            "Доля <активных>",
            &[date(2023, 9, 1), date(2023, 10, 1)],
            &[Series {
                label: "педагоги".into(),
                color: "#000",
                values: vec![Some(78.3), Some(81.25)],
                targets: vec![Some(100.0), Some(100.0)],
                tips: vec!["01.09.2023: 78,3 %".into(), "01.10.2023: 81,3 %".into()],
            }],
            &[],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("&lt;активных&gt;"));
        assert!(svg.contains("81,3 %"));
        assert!(svg.contains(">сен<") && svg.contains(">2023<"));
        assert!(svg.contains("stroke-dasharray"));
        let bars = histogram(
            "ОО",
            &[Bin {
                label: "0–10".into(),
                count: 7,
                class: "red",
                tip: "7 ОО".into(),
            }],
        );
        assert!(bars.contains(">7<") && bars.contains("Число ОО"));
    }
}
