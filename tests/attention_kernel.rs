//! The vendored ggml flash-attention kernel (vendor/README.md) against attention computed
//! here in f64, on the shapes whisper.cpp uses and on the awkward ones: one query (the
//! decoder), query and key counts that are not multiples of the tiles, masked keys, and
//! key tiles that the mask hides completely.

use std::ffi::c_void;
use std::ptr;

use whisper_rs_sys as sys;

const HEAD: usize = 64;

/// Deterministic values in [-2, 2): the kernel must agree on data it was not tuned on.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
    }
}

struct Case {
    queries: usize,
    keys: usize,
    heads: usize,
    /// Query i sees keys 0..=visible(i) when set (a causal-style mask); all keys otherwise.
    visible: Option<fn(usize) -> usize>,
}

fn f16_round(x: f32) -> f32 {
    half::f16::from_f32(x).to_f32()
}

/// Runs ggml_flash_attn_ext on the CPU and returns the largest absolute difference from
/// the f64 reference.
fn max_error(case: &Case, threads: i32, seed: u64) -> f64 {
    let (nq, nk, nh) = (case.queries, case.keys, case.heads);
    let mut rng = Lcg(seed);
    let q: Vec<f32> = (0..HEAD * nq * nh).map(|_| rng.next()).collect();
    let k: Vec<f32> = (0..HEAD * nk * nh).map(|_| f16_round(rng.next())).collect();
    let v: Vec<f32> = (0..HEAD * nk * nh).map(|_| f16_round(rng.next())).collect();
    let mask: Option<Vec<f32>> = case.visible.map(|vis| {
        (0..nq)
            .flat_map(|i| (0..nk).map(move |j| if j <= vis(i) { 0.0 } else { f32::NEG_INFINITY }))
            .collect()
    });
    let scale = 1.0 / (HEAD as f32).sqrt();

    let out = unsafe {
        let params = sys::ggml_init_params {
            mem_size: 256 << 20,
            mem_buffer: ptr::null_mut(),
            no_alloc: false,
        };
        let ctx = sys::ggml_init(params);
        assert!(!ctx.is_null(), "ggml_init failed");
        let tq = sys::ggml_new_tensor_3d(
            ctx,
            sys::ggml_type_GGML_TYPE_F32,
            HEAD as i64,
            nq as i64,
            nh as i64,
        );
        let tk = sys::ggml_new_tensor_3d(
            ctx,
            sys::ggml_type_GGML_TYPE_F16,
            HEAD as i64,
            nk as i64,
            nh as i64,
        );
        let tv = sys::ggml_new_tensor_3d(
            ctx,
            sys::ggml_type_GGML_TYPE_F16,
            HEAD as i64,
            nk as i64,
            nh as i64,
        );
        fill_f32(tq, &q);
        fill_f16(tk, &k);
        fill_f16(tv, &v);
        let tm = match &mask {
            Some(m) => {
                let t = sys::ggml_new_tensor_3d(
                    ctx,
                    sys::ggml_type_GGML_TYPE_F16,
                    nk as i64,
                    nq as i64,
                    1,
                );
                fill_f16(t, m);
                t
            }
            None => ptr::null_mut(),
        };
        let att = sys::ggml_flash_attn_ext(ctx, tq, tk, tv, tm, scale, 0.0, 0.0);
        let graph = sys::ggml_new_graph(ctx);
        sys::ggml_build_forward_expand(graph, att);
        sys::ggml_graph_compute_with_ctx(ctx, graph, threads);
        // Result layout: [HEAD, heads, queries].
        let data = (*att).data as *const f32;
        let out = std::slice::from_raw_parts(data, HEAD * nh * nq).to_vec();
        sys::ggml_free(ctx);
        out
    };

    let mut worst = 0.0f64;
    for h in 0..nh {
        for i in 0..nq {
            let qi = &q[(h * nq + i) * HEAD..][..HEAD];
            let scores: Vec<f64> = (0..nk)
                .map(|j| {
                    let kj = &k[(h * nk + j) * HEAD..][..HEAD];
                    let dot: f64 = qi.iter().zip(kj).map(|(a, b)| *a as f64 * *b as f64).sum();
                    let m = mask.as_ref().map_or(0.0, |m| m[i * nk + j] as f64);
                    dot * scale as f64 + m
                })
                .collect();
            let top = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let weights: Vec<f64> = scores.iter().map(|s| (s - top).exp()).collect();
            let total: f64 = weights.iter().sum();
            for d in 0..HEAD {
                let want: f64 = (0..nk)
                    .map(|j| weights[j] * v[(h * nk + j) * HEAD + d] as f64)
                    .sum::<f64>()
                    / total;
                let got = out[(i * nh + h) * HEAD + d] as f64;
                assert!(got.is_finite(), "non-finite output at head {h} query {i}");
                worst = worst.max((got - want).abs());
            }
        }
    }
    worst
}

unsafe fn fill_f32(t: *mut sys::ggml_tensor, values: &[f32]) {
    unsafe { ptr::copy_nonoverlapping(values.as_ptr(), (*t).data as *mut f32, values.len()) };
}

unsafe fn fill_f16(t: *mut sys::ggml_tensor, values: &[f32]) {
    let bits: Vec<u16> = values
        .iter()
        .map(|x| half::f16::from_f32(*x).to_bits())
        .collect();
    unsafe { ptr::copy_nonoverlapping(bits.as_ptr() as *const c_void, (*t).data, bits.len() * 2) };
}

// Q is rounded to f16 for the one-query path (as in ggml's own kernel), so allow for it.
const TOLERANCE: f64 = 5e-3;

#[test]
fn encoder_shaped_attention_matches_the_reference() {
    // Not multiples of the 128-query / 64-key tiles; two threads split rows mid-head.
    let case = Case {
        queries: 300,
        keys: 300,
        heads: 3,
        visible: None,
    };
    for threads in [1, 2] {
        let err = max_error(&case, threads, 7);
        assert!(err < TOLERANCE, "{threads} threads: max error {err}");
    }
}

#[test]
fn one_query_decoder_attention_matches_the_reference() {
    // The decoder's cross-attention: one new token against a full 30 s window.
    let case = Case {
        queries: 1,
        keys: 1500,
        heads: 6,
        visible: None,
    };
    let err = max_error(&case, 2, 11);
    assert!(err < TOLERANCE, "max error {err}");
}

#[test]
fn masked_keys_and_fully_hidden_tiles_are_ignored() {
    // Causal-style masks: later key tiles are hidden from every query, and each query
    // sees a different prefix. One query alone, and a block of them.
    for (queries, seed) in [(1, 3), (5, 5), (140, 9)] {
        let case = Case {
            queries,
            keys: 200,
            heads: 2,
            visible: Some(|i| 10 + 3 * i),
        };
        let err = max_error(&case, 2, seed);
        assert!(err < TOLERANCE, "{queries} queries: max error {err}");
    }
}

unsafe extern "C" {
    /// Rows of queries the vendored tiled kernel has handled (vendor/README.md).
    static rehearse_fa_tiled_rows: i64;
}

fn tiled_rows() -> i64 {
    // SAFETY: a plain counter the kernel bumps atomically; a racy read only lags.
    unsafe { std::ptr::read_volatile(&raw const rehearse_fa_tiled_rows) }
}

#[test]
fn whisper_shaped_attention_runs_on_the_tiled_kernel() {
    // Fails when an upgrade of the vendored sources loses the dispatch to the tiled
    // kernel: the results would still be right, only several times slower.
    let before = tiled_rows();
    let case = Case {
        queries: 300,
        keys: 300,
        heads: 3,
        visible: None,
    };
    let err = max_error(&case, 2, 13);
    assert!(err < TOLERANCE, "max error {err}");
    let rows = tiled_rows() - before;
    assert!(
        rows >= 300 * 3,
        "the tiled kernel handled {rows} query rows of 900: ggml's dispatch no longer calls it"
    );
}
