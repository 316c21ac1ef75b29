//! The single cue shown while someone is still speaking. One at a time, from the clock
//! and from the phases of what has been transcribed so far (a few seconds behind).

use super::Report;
use super::phases::Phase;
use super::rubric::Rubric;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    None,
    /// The failure part has run past its share, or the lesson has not started by the
    /// lower time target.
    MoveToLearning,
    /// In the time band: finish on the lesson.
    LandTheLesson,
    /// The last 15 s before the upper target.
    WrapUp,
    /// Past the upper target.
    TimeUp,
}

impl Cue {
    pub fn text(self) -> &'static str {
        match self {
            Cue::None => "",
            Cue::MoveToLearning => "move to what you learned",
            Cue::LandTheLesson => "in the band: land the lesson",
            Cue::WrapUp => "wrap up",
            Cue::TimeUp => "time: finish your sentence",
        }
    }
}

/// Seconds the failure part may take before the cue fires: the acceptable failure
/// share of the part of a full-length answer that is not setup (S and T).
pub fn failure_budget_s(rubric: &Rubric) -> f64 {
    let t = &rubric.targets;
    t.duration_max_s * (1.0 - t.star.S - t.star.T).max(0.0) * t.failure_share_acceptable
}

/// The cue for `seconds` into the take, given the report of the words heard so far
/// (`None` until there are enough of them).
pub fn live_cue(seconds: f64, heard: Option<&Report>, rubric: &Rubric) -> Cue {
    let t = &rubric.targets;
    if seconds >= t.duration_max_s {
        return Cue::TimeUp;
    }
    if seconds >= t.duration_max_s - 15.0 {
        return Cue::WrapUp;
    }
    if let Some(r) = heard {
        let still_on_failure = r
            .sentences
            .last()
            .is_some_and(|s| s.phase == Phase::Failure);
        if still_on_failure && r.phases.failure.seconds > failure_budget_s(rubric) {
            return Cue::MoveToLearning;
        }
        if seconds >= t.duration_min_s && r.phases.learning.words == 0 {
            return Cue::MoveToLearning;
        }
    }
    if seconds >= t.duration_min_s {
        Cue::LandTheLesson
    } else {
        Cue::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::text::transcript_from_text;
    use crate::analysis::{InputInfo, InputKind, Timing, analyze};

    fn report(text: &str, rubric: &Rubric) -> Report {
        let t = transcript_from_text(text, rubric.targets.text_wpm);
        let input = InputInfo {
            path: "t".into(),
            kind: InputKind::Text,
            timing: Timing::Estimated,
            transcribed: None,
        };
        analyze(&t, input, rubric).report
    }

    #[test]
    fn a_long_dwell_on_the_failure_gets_the_cue_and_a_lesson_clears_it() {
        let rubric = Rubric::builtin();
        let setup = "Last year I was the release manager for our mobile app at a small startup. \
                     My job was to ship the new payments screen before the holiday sale. ";
        let failure = "I made a mistake. I skipped the load test because I was sure the change was small. \
                       The release went out on Friday and the checkout crashed for every user. \
                       Orders failed for six hours and the support queue filled up with angry messages. \
                       I did not notice the alerts because I had muted them that week. "
            .repeat(3);
        let dwelling = report(&format!("{setup}{failure}"), &rubric);
        assert!(dwelling.phases.failure.seconds > failure_budget_s(&rubric));
        assert_eq!(
            live_cue(70.0, Some(&dwelling), &rubric),
            Cue::MoveToLearning
        );
        let learned = report(
            &format!(
                "{setup}{failure} What I learned is that I now run the load test on every release, \
                 no matter how small, and I wrote a checklist that the whole team uses before we ship."
            ),
            &rubric,
        );
        assert_ne!(live_cue(70.0, Some(&learned), &rubric), Cue::MoveToLearning);
    }

    #[test]
    fn the_clock_wins_near_the_end() {
        let rubric = Rubric::builtin();
        assert_eq!(live_cue(10.0, None, &rubric), Cue::None);
        assert_eq!(live_cue(125.0, None, &rubric), Cue::LandTheLesson);
        assert_eq!(live_cue(170.0, None, &rubric), Cue::WrapUp);
        assert_eq!(live_cue(181.0, None, &rubric), Cue::TimeUp);
    }
}
