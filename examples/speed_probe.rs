//! Times one file under decoding variants (a development probe for BENCHMARKS.md).
//! usage: speed_probe MODEL WAV THREADS (the default filler prompt, 64-token text context)
use std::time::Instant;
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    let (model, wav, threads) = (&a[1], &a[2], a[3].parse::<i32>()?);
    let audio = rehearse::audio::decode_file_16k(std::path::Path::new(wav), &mut |_, _| {})?;
    let mut p = WhisperContextParameters::default();
    p.flash_attn(true);
    let ctx = WhisperContext::new_with_params(model, p)?;
    // The filler prompt framed as an earlier segment, with timestamp tokens.
    let mut framed = vec![ctx.token_beg()];
    framed.extend(ctx.tokenize(rehearse::transcribe::FILLER_PROMPT, 256)?);
    framed.push(ctx.token_beg() + 350); // <|7.00|>
    for variant in ["default", "no-fallback", "ts-prompt"] {
        let mut state = ctx.create_state()?;
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(threads);
        params.set_language(Some("en"));
        params.set_print_progress(false);
        params.set_n_max_text_ctx(64); // as the engine does
        if variant == "ts-prompt" {
            params.set_tokens(&framed);
        } else if std::env::var_os("NO_PROMPT").is_none() {
            params.set_initial_prompt(rehearse::transcribe::FILLER_PROMPT);
        }
        params.set_token_timestamps(!variant.contains("ts"));
        if variant.contains("fallback") {
            params.set_temperature_inc(0.0);
        }
        let t = Instant::now();
        state.full(params, &audio.samples)?;
        let words: usize = state
            .as_iter()
            .map(|seg| {
                seg.to_str_lossy()
                    .map(|t| t.split_whitespace().count())
                    .unwrap_or(0)
            })
            .sum();
        println!(
            "{variant:>20}: {:.2} s, {} segments, {words} words",
            t.elapsed().as_secs_f64(),
            state.full_n_segments()
        );
        if let Some(dir) = std::env::var_os("PROBE_OUT") {
            let text: Vec<String> = state
                .as_iter()
                .map(|seg| {
                    seg.to_str_lossy()
                        .map(|t| t.into_owned())
                        .unwrap_or_default()
                })
                .collect();
            std::fs::write(
                std::path::Path::new(&dir).join(format!("{variant}.txt")),
                text.join("\n"),
            )?;
        }
    }
    Ok(())
}
