//! The `rehearse` command line: a thin layer over the library.

mod cli;

fn main() -> std::process::ExitCode {
    encode_sentences_on_one_thread();
    cli::main(return_big_buffers_to_the_system)
}

/// The sentence encoder's matrices are small (one sentence of 384-wide vectors): on
/// two idle cores candle's worker threads encoded a 3-minute answer no faster than
/// one thread, and on one busy core they took 40% longer, waiting for each other
/// (BENCHMARKS.md). A `CANDLE_NUM_THREADS` the user set wins.
fn encode_sentences_on_one_thread() {
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: the first thing main does, before any thread exists, so nothing can
        // read the environment while it changes.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
}

/// Called by the CLI before it starts any thread, for every command but the
/// developer's `eval` (whose training allocates big tensors at every step, which with
/// this setting would be mapped and unmapped each time).
///
/// glibc raises its mmap threshold each time a big mmapped buffer is freed, after which
/// the 10 MB audio buffers of the next answers come from the heap and stay resident: a
/// batch of 3-minute answers peaked at 255 MB instead of 223 MB (BENCHMARKS.md). A fixed
/// threshold keeps big buffers in their own mappings, returned when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_big_buffers_to_the_system() {
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts
    // (the CLI has only parsed its arguments).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_big_buffers_to_the_system() {}
