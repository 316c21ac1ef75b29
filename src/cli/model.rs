//! `rehearse model …`: list, download, import, locate models.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use rehearse::models::{ImportTarget, InstallError, InstallState, Installed, ModelStore};

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Known models: installed or not, size, checksum.
    List {
        /// Compute checksums of installed files (slower).
        #[arg(long)]
        verify: bool,
    },
    /// Download a model from the whisper.cpp model hub (the only network use).
    Download {
        name: String,
        /// Fetch from this base URL instead of the manifest's (mirrors, tests).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Which model file will be used, and why.
    Path {
        #[arg(long, short = 'm')]
        model: Option<String>,
    },
    /// Convert a CTranslate2 Whisper model folder (as shipped in registry packages)
    /// to whisper.cpp's format. Several folders are joined when weights are split.
    Import {
        /// Folder(s) holding model.bin (or model.bin.part1, part2 …) and vocabulary.txt.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Install as this known model (file name from the manifest, checksum verified).
        #[arg(long, conflicts_with = "output")]
        name: Option<String>,
        /// Write to this file instead.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

fn human(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / 1024.0 / 1024.0)
}

pub fn run(cmd: ModelCommand) -> Result<ExitCode> {
    let store = ModelStore::discover();
    match cmd {
        ModelCommand::List { verify } => {
            println!(
                "models directory: {} ({})",
                store.dir.display(),
                store.dir_reason
            );
            println!(
                "{:<16} {:<11} {:>8}  {:<40}  about",
                "name", "state", "size", "sha1 (published)"
            );
            for spec in &store.manifest.models {
                let state = if verify {
                    store.verify(spec)
                } else {
                    store.quick_state(spec)
                };
                let state_txt = match &state {
                    InstallState::Missing => "-".to_string(),
                    InstallState::Downloaded => "downloaded".into(),
                    InstallState::Imported => "imported".into(),
                    InstallState::Present => "installed".into(),
                    InstallState::Corrupt { .. } => "DAMAGED".into(),
                };
                let size = spec.size.map(human).unwrap_or_else(|| "?".into());
                let default = if spec.name == store.manifest.default {
                    " (default)"
                } else {
                    ""
                };
                println!(
                    "{:<16} {:<11} {:>8}  {:<40}  {}{default}",
                    spec.name,
                    state_txt,
                    size,
                    spec.sha1.as_deref().unwrap_or("-"),
                    spec.about
                );
                if let InstallState::Corrupt { why } = state {
                    println!(
                        "                 ↳ {why}; fix: rehearse model download {}",
                        spec.name
                    );
                }
            }
            let enc = &store.manifest.encoder;
            let state = store.encoder_state(verify);
            let state_txt = match &state {
                InstallState::Missing => "-",
                InstallState::Downloaded => "verified",
                InstallState::Corrupt { .. } => "DAMAGED",
                _ => "installed",
            };
            let size: u64 = enc.files.iter().map(|f| f.size).sum();
            println!(
                "{:<16} {:<11} {:>8}  {:<40}  {}",
                enc.name,
                state_txt,
                human(size),
                "(sha256 per file in models/manifest.json)",
                enc.about
            );
            if let InstallState::Corrupt { why } = state {
                println!(
                    "                 ↳ {why}; fix: rehearse model download {}",
                    enc.name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Path { model } => {
            let settings = rehearse::config::RecogniserSettings {
                model,
                ..Default::default()
            };
            let (store, resolved) = rehearse::transcribe::Recogniser::resolve(&settings)?;
            println!("{}", resolved.path.display());
            eprintln!("why: {}", resolved.reason);
            match store.check(&resolved) {
                Ok(()) => {
                    eprintln!("status: present");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("status: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        ModelCommand::Download { name, base_url } if name == store.manifest.encoder.name => {
            let bar = Downloads::default();
            let done = store
                .download_encoder(base_url, &mut |url, done, total| bar.show(url, done, total));
            bar.finish();
            let enc = &store.manifest.encoder;
            if let Installed::Already(dir) = done? {
                println!(
                    "{} is already installed and verified: {}",
                    enc.name,
                    dir.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            super::build_or_load_encoder(&store)?;
            println!(
                "installed {} ({}, checksums verified) in {}",
                enc.name,
                human(enc.files.iter().map(|f| f.size).sum()),
                store.encoder_dir().display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Download { name, base_url } => {
            let bar = Downloads::default();
            let done = store.download_model(&name, base_url, &mut |url, done, total| {
                bar.show(url, done, total)
            });
            bar.finish();
            match done? {
                Installed::Already(path) => {
                    println!(
                        "{name} is already installed and verified: {}",
                        path.display()
                    )
                }
                Installed::Fetched(path, size) => println!(
                    "installed {name} ({}, checksum verified) at {}",
                    human(size),
                    path.display()
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Import { dirs, name, .. }
            if name.as_deref() == Some(store.manifest.encoder.name.as_str()) =>
        {
            let [dir] = dirs.as_slice() else {
                return Err(InstallError::EncoderFolders.into());
            };
            let installed = store.import_encoder(dir)?;
            super::build_or_load_encoder(&store)?;
            println!(
                "installed {} (checksums verified) in {}",
                store.manifest.encoder.name,
                installed.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Import { dirs, name, output } => {
            let target = match (&name, &output) {
                (Some(n), _) => ImportTarget::Known(n),
                (None, Some(o)) => ImportTarget::File(o),
                (None, None) => return Err(InstallError::NoDestination.into()),
            };
            let started = std::time::Instant::now();
            let (summary, sha256) = store.import_model(&dirs, target)?;
            if let Some(sha) = sha256 {
                println!("sha256 {sha}");
            }
            println!(
                "imported {} tensors ({} encoder + {} decoder layers, {} vocabulary{}) → {} ({} bytes) in {:.1} s",
                summary.tensors,
                summary.encoder_layers,
                summary.decoder_layers,
                summary.n_vocab,
                if summary.multilingual {
                    ", multilingual"
                } else {
                    ", English-only"
                },
                summary.output.display(),
                summary.bytes,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A byte progress bar per downloaded file, drawn only for a person watching a
/// terminal; each file's URL is printed as it starts.
#[derive(Default)]
struct Downloads {
    current: std::cell::RefCell<Option<(String, ProgressBar)>>,
}

impl Downloads {
    fn show(&self, url: &str, done: u64, total: Option<u64>) {
        let mut current = self.current.borrow_mut();
        if current.as_ref().is_none_or(|(u, _)| u != url) {
            if let Some((_, bar)) = current.take() {
                bar.finish_and_clear();
            }
            eprintln!("downloading {url}");
            *current = Some((url.to_string(), progress_bar(total.unwrap_or(0))));
        }
        if let Some((_, bar)) = current.as_ref() {
            if let Some(t) = total {
                bar.set_length(t);
            }
            bar.set_position(done);
        }
    }

    fn finish(&self) {
        if let Some((_, bar)) = self.current.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}

/// A byte progress bar, drawn only for a person watching a terminal.
fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if super::interactive_stderr() {
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}
