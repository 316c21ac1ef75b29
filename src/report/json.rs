//! The `rehearse.report.v1` JSON contract (docs/report-schema.md).

use std::io::{self, Write};

use super::ReportFormat;
use crate::analysis::Analysis;

pub struct Json;

impl ReportFormat for Json {
    fn render(&self, a: &Analysis, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &a.report)?;
        writeln!(out)
    }
}
