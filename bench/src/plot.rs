//! The plot a reader choosing between Sessionless and Cognito wants: cost
//! per month against monthly active users, log on both axes, for
//! Sessionless's three ways of protecting routes and Cognito's two tiers.

use plotters::prelude::*;

use crate::BenchError;

/// One line of the plot: its name and its (MAU, dollars a month) points.
pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// The plot as an SVG document.
///
/// # Errors
///
/// When plotters cannot draw it (no point above zero, say).
pub fn monthly_cost_svg(lines: &[Line]) -> Result<String, BenchError> {
    let failed = |error: &dyn std::fmt::Display| BenchError::new(format!("the plot: {error}"));
    let positive = lines
        .iter()
        .flat_map(|line| line.points.iter())
        .filter(|(_, dollars)| *dollars > 0.0);
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, 0.0f64, f64::MAX, 0.0f64);
    for (mau, dollars) in positive {
        x_min = x_min.min(*mau);
        x_max = x_max.max(*mau);
        y_min = y_min.min(*dollars);
        y_max = y_max.max(*dollars);
    }
    if x_max <= 0.0 || y_max <= 0.0 {
        return Err(BenchError::new("the plot: no cost above zero"));
    }
    let colors = [
        RGBColor(0, 114, 178),
        RGBColor(0, 158, 115),
        RGBColor(86, 180, 233),
        RGBColor(213, 94, 0),
        RGBColor(204, 121, 167),
    ];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(|error| failed(&error))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Identity cost per month against monthly active users",
                ("sans-serif", 20),
            )
            .margin(20)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (x_min..x_max).log_scale(),
                ((y_min / 2.0)..(y_max * 2.0)).log_scale(),
            )
            .map_err(|error| failed(&error))?;
        chart
            .configure_mesh()
            .x_desc("monthly active users")
            .y_desc("dollars a month")
            .x_label_formatter(&|mau| format_count(*mau))
            .y_label_formatter(&|dollars| format!("${}", format_count(*dollars)))
            .draw()
            .map_err(|error| failed(&error))?;
        for (line, color) in lines.iter().zip(colors.iter().cycle()) {
            let points: Vec<(f64, f64)> = line
                .points
                .iter()
                .copied()
                .filter(|(_, dollars)| *dollars > 0.0)
                .collect();
            let style = color.stroke_width(2);
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(|error| failed(&error))?
                .label(line.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(|error| failed(&error))?;
        root.present().map_err(|error| failed(&error))?;
    }
    Ok(svg)
}

/// 10000 as 10k, 1000000 as 1M, 0.5 as 0.5.
fn format_count(value: f64) -> String {
    match value {
        v if v >= 1e6 => format!("{}M", trim(v / 1e6)),
        v if v >= 1e3 => format!("{}k", trim(v / 1e3)),
        v => trim(v),
    }
}

fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plot_is_an_svg_with_every_line_named() {
        let lines = [
            Line {
                name: "one".into(),
                points: vec![(1e4, 10.0), (1e7, 1e4)],
            },
            Line {
                name: "two".into(),
                points: vec![(1e4, 0.0), (1e5, 20.0), (1e7, 2e4)],
            },
        ];
        let svg = monthly_cost_svg(&lines).expect("a plot");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        // plotters writes each text on a line of its own.
        assert!(svg.contains("\none\n") && svg.contains("\ntwo\n"), "{svg}");
        assert_eq!(format_count(10_000.0), "10k");
        assert_eq!(format_count(2_500_000.0), "2.5M");
        assert_eq!(format_count(0.5), "0.5");
    }
}
