//! `rehearse model …`: list, download, import, locate models.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use rehearse::transcribe::download::{self, DownloadRequest};
use rehearse::transcribe::import;
use rehearse::transcribe::models::{ENV_BASE_URL, InstallState, ModelStore, UserConfig};

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
            let (cfg_path, cfg) = UserConfig::load()?;
            let resolved = store.resolve(model.as_deref(), &cfg, cfg_path.as_deref())?;
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
            download_encoder(&store, base_url)
        }
        ModelCommand::Download { name, base_url } => {
            let Some(spec) = store.manifest.find(&name).cloned() else {
                bail!(
                    "unknown model {name:?}; known: {}",
                    store
                        .manifest
                        .models
                        .iter()
                        .map(|m| m.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            };
            let base = base_url
                .or_else(|| std::env::var(ENV_BASE_URL).ok())
                .unwrap_or_else(|| store.manifest.base_url.clone());
            let url = format!("{}/{}", base.trim_end_matches('/'), spec.file);
            let dest = store.path_of(&spec);
            if matches!(
                store.verify(&spec),
                InstallState::Downloaded | InstallState::Imported
            ) {
                println!(
                    "{name} is already installed and verified: {}",
                    dest.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!("downloading {name} from {url}");
            let bar = progress_bar(spec.size.unwrap_or(0));
            let req = DownloadRequest {
                url,
                dest: dest.clone(),
                expected_size: spec.size,
                sha1: spec.sha1.clone(),
                sha256: None,
            };
            let size = download::download(&req, &mut |done, total| {
                if let Some(t) = total {
                    bar.set_length(t);
                }
                bar.set_position(done);
            });
            bar.finish_and_clear();
            let size = size?;
            println!(
                "installed {name} ({}, checksum verified) at {}",
                human(size),
                dest.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Import { dirs, name, .. }
            if name.as_deref() == Some(store.manifest.encoder.name.as_str()) =>
        {
            let [dir] = dirs.as_slice() else {
                bail!("the sentence encoder is imported from one folder");
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
            let (dest, spec) = match (&name, output) {
                (Some(n), _) => {
                    let spec = store.manifest.find(n).cloned().with_context(|| {
                        format!("unknown model {n:?}; see `rehearse model list`")
                    })?;
                    (store.path_of(&spec), Some(spec))
                }
                (None, Some(o)) => (o, None),
                (None, None) => {
                    bail!("say where the model goes: --name NAME (a known model) or --output FILE")
                }
            };
            let started = std::time::Instant::now();
            let summary = import::import_ct2(&dirs, &dest)?;
            if let Some(spec) = spec {
                let want = spec
                    .import
                    .as_ref()
                    .map(|i| i.sha256.as_str())
                    .unwrap_or("");
                let got = download::file_digests(&dest)
                    .with_context(|| format!("reading back {}", dest.display()))?;
                if !want.is_empty() && want != "PENDING" && got.sha256 != want {
                    let _ = std::fs::remove_file(&dest);
                    bail!(
                        "the converted {} has SHA-256 {} but {} was expected; the package is not the one the manifest names. Nothing was installed",
                        spec.name,
                        got.sha256,
                        want
                    );
                }
                println!("sha256 {}", got.sha256);
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

/// Downloads the sentence encoder's files (pinned revision, SHA-256 checked).
fn download_encoder(store: &ModelStore, base_url: Option<String>) -> Result<ExitCode> {
    let enc = &store.manifest.encoder;
    if store.encoder_state(true) == InstallState::Downloaded {
        println!(
            "{} is already installed and verified: {}",
            enc.name,
            store.encoder_dir().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let base = base_url.unwrap_or_else(|| enc.base_url.clone());
    for f in &enc.files {
        let url = format!("{}/{}", base.trim_end_matches('/'), f.file);
        let dest = store.encoder_dir().join(&f.file);
        if rehearse::fsutil::sha256_file(&dest).ok().as_deref() == Some(f.sha256.as_str()) {
            continue;
        }
        eprintln!("downloading {url}");
        let bar = progress_bar(f.size);
        let req = DownloadRequest {
            url,
            dest,
            expected_size: Some(f.size),
            sha1: None,
            sha256: Some(f.sha256.clone()),
        };
        let got = download::download(&req, &mut |done, _| bar.set_position(done));
        bar.finish_and_clear();
        got?;
    }
    super::build_or_load_encoder(store)?;
    println!(
        "installed {} ({}, checksums verified) in {}",
        enc.name,
        human(enc.files.iter().map(|f| f.size).sum()),
        store.encoder_dir().display()
    );
    Ok(ExitCode::SUCCESS)
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
