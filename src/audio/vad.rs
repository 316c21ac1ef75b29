//! Which stretches of a recording hold a voice, so that what the recogniser writes
//! over silence ("you.", "Thank you.") never counts as speech.
//!
//! An energy detector with a floor measured on the recording itself: a 30 ms frame is
//! voiced when it is well above the recording's quiet frames and above an absolute
//! minimum. It cannot tell a voice from loud noise; the recogniser's own no-speech
//! probability covers that (`transcribe::engine`).

use super::TARGET_RATE;

/// Frame length: 30 ms at 16 kHz.
const FRAME: usize = 480;
/// How far above the recording's quiet frames (its 10th percentile) a voiced frame
/// must be.
const ABOVE_FLOOR_DB: f32 = 12.0;
/// Never voiced below this level, whatever the floor (digital silence, a muted mic).
const MIN_LEVEL_DBFS: f32 = -50.0;
/// A frame this loud is voiced even in a recording that is speech throughout (whose
/// quiet frames are pauses between words, not room noise).
const MAX_THRESHOLD_DBFS: f32 = -30.0;
/// Voiced runs shorter than this are clicks, not words.
const MIN_RUN_S: f64 = 0.09;

/// Voiced or not, per 30 ms frame of a 16 kHz recording.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceActivity {
    voiced: Vec<bool>,
}

impl VoiceActivity {
    pub fn detect(samples: &[f32]) -> VoiceActivity {
        let levels: Vec<f32> = samples
            .chunks(FRAME)
            .map(|f| {
                let rms = (f.iter().map(|x| x * x).sum::<f32>() / f.len().max(1) as f32).sqrt();
                20.0 * (rms + 1e-10).log10()
            })
            .collect();
        let mut sorted = levels.clone();
        sorted.sort_by(f32::total_cmp);
        let floor = sorted.get(sorted.len() / 10).copied().unwrap_or(-200.0);
        let threshold = (floor + ABOVE_FLOOR_DB).clamp(MIN_LEVEL_DBFS, MAX_THRESHOLD_DBFS);
        let mut voiced: Vec<bool> = levels.iter().map(|l| *l >= threshold).collect();
        // Drop runs too short to be speech.
        let min_run = (MIN_RUN_S * TARGET_RATE as f64 / FRAME as f64).ceil() as usize;
        let mut i = 0;
        while i < voiced.len() {
            if voiced[i] {
                let start = i;
                while i < voiced.len() && voiced[i] {
                    i += 1;
                }
                if i - start < min_run {
                    voiced[start..i].fill(false);
                }
            } else {
                i += 1;
            }
        }
        VoiceActivity { voiced }
    }

    fn frame_at(s: f64) -> usize {
        (s.max(0.0) * TARGET_RATE as f64 / FRAME as f64) as usize
    }

    /// Whether any frame between `start_s` and `end_s` (seconds, widened by `margin_s`
    /// on both sides for the recogniser's loose word times) is voiced.
    pub fn voiced_between(&self, start_s: f64, end_s: f64, margin_s: f64) -> bool {
        let a = Self::frame_at(start_s - margin_s);
        let b = (Self::frame_at(end_s + margin_s) + 1).min(self.voiced.len());
        a < b && self.voiced[a..b].iter().any(|v| *v)
    }

    /// `(start_s, end_s)` with an end that runs on into silence pulled back to the
    /// last voiced frame of the span, plus `margin_s`: Whisper often stretches a
    /// segment's last word to the end of its window, so a take that ends in a long
    /// silence would otherwise count the silence as speaking time.
    pub fn trim_end(&self, start_s: f64, end_s: f64, margin_s: f64) -> f64 {
        let a = Self::frame_at(start_s);
        let b = (Self::frame_at(end_s) + 1).min(self.voiced.len());
        if a >= b {
            return end_s;
        }
        match self.voiced[a..b].iter().rposition(|v| *v) {
            Some(last) => {
                let voiced_end = (a + last + 1) as f64 * FRAME as f64 / TARGET_RATE as f64;
                end_s.min(voiced_end + margin_s).max(start_s)
            }
            None => end_s,
        }
    }

    /// Seconds from the start of the first voiced frame to the end of the last one.
    pub fn voiced_span(&self) -> Option<(f64, f64)> {
        let first = self.voiced.iter().position(|v| *v)?;
        let last = self.voiced.iter().rposition(|v| *v)?;
        let s = |f: usize| f as f64 * FRAME as f64 / TARGET_RATE as f64;
        Some((s(first), s(last + 1)))
    }

    /// Whether the recording holds any voice at all.
    pub fn any(&self) -> bool {
        self.voiced.iter().any(|v| *v)
    }

    /// Seconds of voiced frames.
    pub fn voiced_seconds(&self) -> f64 {
        self.voiced.iter().filter(|v| **v).count() as f64 * FRAME as f64 / TARGET_RATE as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(secs: f64, amp: f32) -> Vec<f32> {
        (0..(secs * 16000.0) as usize)
            .map(|i| (i as f32 * 0.07).sin() * amp)
            .collect()
    }

    fn noise(secs: f64, amp: f32) -> Vec<f32> {
        // A fixed pseudo-random hiss (xorshift), so the test is repeatable.
        let mut x: u32 = 0x9e37_79b9;
        (0..(secs * 16000.0) as usize)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x as f32 / u32::MAX as f32 - 0.5) * 2.0 * amp
            })
            .collect()
    }

    #[test]
    fn a_voice_after_silence_is_found_and_the_silence_is_not() {
        let mut a = tone(2.0, 0.2);
        a.extend(vec![0.0; 16000 * 3]);
        let v = VoiceActivity::detect(&a);
        assert!(v.voiced_between(0.5, 1.0, 0.0));
        assert!(!v.voiced_between(2.5, 4.8, 0.0));
        assert!(v.voiced_between(2.1, 2.5, 0.2), "the margin reaches back");
        assert!(
            (v.voiced_seconds() - 2.0).abs() < 0.1,
            "{}",
            v.voiced_seconds()
        );
    }

    #[test]
    fn a_word_stretched_into_silence_is_trimmed_to_the_voice() {
        let mut a = tone(2.0, 0.2);
        a.extend(vec![0.0; 16000 * 6]);
        let v = VoiceActivity::detect(&a);
        let end = v.trim_end(1.5, 7.5, 0.2);
        assert!((end - 2.2).abs() < 0.05, "{end}");
        assert_eq!(
            v.trim_end(0.5, 1.5, 0.2),
            1.5,
            "inside the voice: unchanged"
        );
        assert_eq!(v.trim_end(3.0, 4.0, 0.2), 4.0, "no voice at all: unchanged");
    }

    #[test]
    fn quiet_room_noise_is_not_a_voice() {
        let mut a = noise(3.0, 0.003);
        let mut speech = tone(1.0, 0.1);
        for (s, n) in speech.iter_mut().zip(noise(1.0, 0.003)) {
            *s += n;
        }
        a.extend(speech);
        a.extend(noise(3.0, 0.003));
        let v = VoiceActivity::detect(&a);
        assert!(!v.voiced_between(0.0, 2.9, 0.0));
        assert!(v.voiced_between(3.2, 3.8, 0.0));
        assert!(!v.voiced_between(4.2, 7.0, 0.0));
    }

    #[test]
    fn silence_and_nothing_hold_no_voice() {
        assert!(!VoiceActivity::detect(&vec![0.0; 16000]).any());
        assert!(!VoiceActivity::detect(&noise(2.0, 0.001)).any());
        assert!(!VoiceActivity::detect(&[]).any());
        // A click is too short to be a word.
        let mut click = vec![0.0; 16000];
        click[8000..8400].fill(0.5);
        assert!(!VoiceActivity::detect(&click).any());
    }
}
