//! Times one file under decoding variants (a development probe for BENCHMARKS.md).
//! usage: speed_probe MODEL WAV THREADS
use std::time::Instant;
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    let (model, wav, threads) = (&a[1], &a[2], a[3].parse::<i32>()?);
    let audio = rehearse::audio::decode_file_16k(std::path::Path::new(wav), &mut |_, _| {})?;
    let mut p = WhisperContextParameters::default();
    p.flash_attn(true);
    let ctx = WhisperContext::new_with_params(model, p)?;
    for variant in ["default", "no-fallback", "no-token-ts", "no-fallback-no-ts"] {
        let mut state = ctx.create_state()?;
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(threads);
        params.set_language(Some("en"));
        params.set_print_progress(false);
        params.set_token_timestamps(!variant.contains("ts"));
        if variant.contains("fallback") {
            params.set_temperature_inc(0.0);
        }
        let t = Instant::now();
        state.full(params, &audio.samples)?;
        println!(
            "{variant:>20}: {:.2} s, {} segments",
            t.elapsed().as_secs_f64(),
            state.full_n_segments()
        );
    }
    Ok(())
}
