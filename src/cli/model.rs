//! `rehearse model …`: list, download, import, locate models.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use rehearse::embed::{Depth, MiniLm};
use rehearse::models::{ImportTarget, InstallError, ModelStore};

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
    /// Write a smaller copy of a model with its weights in a ggml block type (q8_0 is
    /// nearly lossless at about half the size; q5_1 and q4_0 are smaller still).
    Quantize {
        /// Model name or path to a f16/f32 ggml .bin file.
        model: String,
        #[arg(long = "type", default_value = "q8_0")]
        ty: rehearse::transcribe::quantize::QuantType,
        #[arg(long, short = 'o')]
        output: PathBuf,
    },
}

pub fn run(cmd: ModelCommand) -> Result<ExitCode> {
    let store = ModelStore::discover();
    match cmd {
        ModelCommand::Quantize { model, ty, output } => {
            let settings = rehearse::config::RecogniserSettings {
                model: Some(model),
                ..Default::default()
            };
            let (_, resolved) = rehearse::transcribe::Recogniser::resolve(&settings)?;
            let s = rehearse::transcribe::quantize::quantize_model(&resolved.path, &output, ty)?;
            println!("{s} at {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::List { verify } => {
            print!("{}", rehearse::ui::tables::models(&store, verify));
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
        ModelCommand::Download { name, base_url } => {
            let (line, encoder) = rehearse::ui::progress::download(&store, &name, base_url)?;
            if encoder {
                MiniLm::from_store(&store, Depth::PHASES)?; // loads, or says now what is wrong
            }
            println!("{line}");
            Ok(ExitCode::SUCCESS)
        }
        ModelCommand::Import { dirs, name, .. }
            if name.as_deref() == Some(store.manifest.encoder.name.as_str()) =>
        {
            let [dir] = dirs.as_slice() else {
                return Err(InstallError::EncoderFolders.into());
            };
            let installed = store.import_encoder(dir)?;
            MiniLm::from_store(&store, Depth::PHASES)?;
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
            let secs = started.elapsed().as_secs_f64();
            println!("{summary} in {secs:.1} s");
            Ok(ExitCode::SUCCESS)
        }
    }
}
