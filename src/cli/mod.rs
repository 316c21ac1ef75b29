//! Argument parsing and dispatch. Errors become `anyhow` here, at the edge.

/// `eprintln!` that never panics: after SIGHUP the terminal is gone and writing to it
/// fails, and finishing a take must not die on a message nobody can read.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod batch;
mod drill;
mod eval;

mod model;
mod practice;
mod score;
mod takes;
mod transcribe;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "rehearse",
    version,
    about = "An on-device speech coach for \"Tell me about a time you failed\"."
)]
pub struct Cli {
    /// More log output (-v: info, -vv: debug, including whisper.cpp's own log).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Colour in reports and the live screen: auto (only on a terminal, and not with
    /// NO_COLOR set or TERM=dumb), always or never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Rehearse out loud: record from the microphone, then get the report (the default).
    Practice(practice::PracticeArgs),
    /// Input devices with their channels and rates; marks the default.
    Devices,
    /// Build, CPU, GPUs, models, audio, disk, load: ok/warn/fail with fixes (exit 0/1/2).
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Timing drills: the STAR shape against a countdown, the length without a timer.
    Drill(drill::DrillArgs),
    /// Earlier takes: date, length, score, failure share, fillers per minute.
    Takes(takes::TakesArgs),
    /// Length, failure share, fillers, hedges and score over the takes, against the targets.
    Progress {
        #[arg(long)]
        takes_dir: Option<PathBuf>,
    },
    /// Score an answer against the failure-question rubric: a recording (.wav), a
    /// written draft (.txt) or a saved transcript (.json).
    Score(score::ScoreArgs),
    /// Score every recording under folders or glob patterns: a report per file and
    /// one summary table (exit 0: all scored, 1: some files failed, 2: could not run).
    Batch(batch::BatchArgs),
    /// Combine the summaries of several batch runs (e.g. shards) into one table.
    BatchMerge(batch::MergeArgs),
    /// Transcribe a recorded answer and print it with timestamps.
    Transcribe(transcribe::TranscribeArgs),
    /// Manage speech-recognition models.
    #[command(subcommand)]
    Model(model::ModelCommand),
    /// Measure the coach on labeled answers.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Options shared by every command that runs the recogniser.
#[derive(Args, Debug, Clone, Default)]
pub struct EngineArgs {
    /// Model name (see `rehearse model list`) or path to a ggml .bin file.
    #[arg(long, short = 'm')]
    pub model: Option<String>,
    /// CPU threads for whisper.cpp, at most the machine's cores [default: measured best
    /// for this machine's cores].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// Beam width 1-8; 1 = greedy (fastest; see BENCHMARKS.md for the accuracy trade-off).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=rehearse::config::MAX_BEAM as i64))]
    pub beam_size: Option<u32>,
    /// Prime the recogniser with this text. Default: a disfluent prompt that makes
    /// Whisper keep "um"/"uh" (docs/accuracy.md); `--prompt ""` for none.
    #[arg(long)]
    pub prompt: Option<String>,
    /// auto (a GPU when the build and machine have one), off (the CPU), or a GPU's
    /// number [env: REHEARSE_GPU; config: gpu] [default: auto].
    #[arg(long, value_name = "auto|off|N")]
    pub gpu: Option<rehearse::transcribe::GpuChoice>,
}

impl EngineArgs {
    /// The flags' part of the settings merge (`rehearse::config`).
    pub fn settings(&self) -> rehearse::config::RecogniserSettings {
        rehearse::config::RecogniserSettings {
            model: self.model.clone(),
            threads: self.threads,
            beam_size: self.beam_size,
            prompt: self.prompt.clone(),
            gpu: self.gpu,
        }
    }
}

/// Options for the sentence encoder that helps label the phases.
#[derive(Args, Debug, Clone, Default)]
pub struct EncoderArgs {
    /// Label the phases from cue phrases alone, without the sentence encoder
    /// (faster; less accurate, see docs/accuracy.md).
    #[arg(long)]
    pub no_encoder: bool,
}

/// The sentence encoder, unless `--no-encoder` (see `ui::progress::encoder`).
pub fn load_encoder(args: &EncoderArgs) -> Option<std::sync::Arc<rehearse::embed::MiniLm>> {
    (!args.no_encoder)
        .then(rehearse::ui::progress::encoder)
        .flatten()
}

fn init_logging(verbose: u8) {
    // Quiet by default: whisper.cpp logs a lot at info level.
    let default = match verbose {
        0 => format!(
            "warn,{}=error,symphonia=off",
            rehearse::transcribe::ENGINE_LOG_TARGET
        ),
        1 => "info".into(),
        _ => "debug".into(),
    };
    let env = env_logger::Env::default().filter_or("REHEARSE_LOG", default);
    let _ = env_logger::Builder::from_env(env)
        .format_timestamp(None)
        .try_init();
}

/// Parses, tunes the allocator (`tune_allocator`, see main.rs) and dispatches.
pub fn main(tune_allocator: fn()) -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Some(Command::Eval(_))) {
        tune_allocator();
    }
    init_logging(cli.verbose);
    // Decided once per run and handed to every renderer.
    let style = rehearse::report::TerminalStyle::for_stdout(match cli.color {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        ColorChoice::Auto => None,
    });
    let command = cli
        .command
        .unwrap_or_else(|| Command::Practice(practice::PracticeArgs::default()));
    let result = match command {
        Command::Practice(args) => practice::run(args, style),
        Command::Devices => practice::devices(),
        Command::Doctor { json } => {
            let d = rehearse::doctor::examine();
            print!("{}", rehearse::doctor::render(&d, json));
            Ok(ExitCode::from(d.exit_code()))
        }
        Command::Takes(args) => takes::run(args, style),
        Command::Progress { takes_dir } => takes::progress(takes_dir),
        Command::Drill(args) => drill::run(args, style),
        Command::Score(args) => score::run(args, style),
        Command::Batch(args) => batch::run(args),
        Command::BatchMerge(args) => batch::merge(args),
        Command::Transcribe(args) => transcribe::run(args),
        Command::Eval(cmd) => eval::run(cmd),
        Command::Model(cmd) => model::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            say!("error: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// Whether an output argument means standard output.
pub fn is_stdout(p: &std::path::Path) -> bool {
    p == std::path::Path::new("-")
}

/// An error and its causes on one line, each cause once: library errors often quote
/// their cause in their own message ("cannot read x: Permission denied"), and
/// printing the chain as well repeated it.
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
