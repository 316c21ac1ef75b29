//! Word-level detectors: fillers, hedges, flags, ownership and numbers. Lists come
//! from the rubric; the context rules that lists cannot express ("like" as a verb,
//! contrastive "actually", reported apologies) live here.

use std::collections::HashSet;

use super::phases::Phase;
use super::rubric::Lexicon;
use super::text::{PhraseHit, PhraseSet, Token};

/// A matched word or phrase, by token range, with the matched lexicon entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub key: String,
    pub first: usize,
    pub last: usize,
}

/// Compiled lexicons.
pub struct Lexicons {
    filled: HashSet<String>,
    markers: PhraseSet,
    hedges: PhraseSet,
    reflective: HashSet<String>,
    blame: PhraseSet,
    fake: PhraseSet,
    apology: PhraseSet,
    catastrophic: PhraseSet,
    catastrophic_exceptions: PhraseSet,
    red_flag: PhraseSet,
    recency: PhraseSet,
    pub specific_learning: PhraseSet,
    pub generic_learning: PhraseSet,
}

const SUBJECT_PRONOUNS: &[&str] = &[
    "i", "you", "we", "they", "he", "she", "people", "who", "i'd", "we'd", "you'd", "they'd",
];
/// Words before "like" that make it a verb, a comparison or "such as", never a filler.
const LIKE_NOT_FILLER_BEFORE: &[&str] = &[
    "would",
    "don't",
    "didn't",
    "doesn't",
    "really",
    "to",
    "i'd",
    "we'd",
    "you'd",
    "they'd",
    "look",
    "looks",
    "looked",
    "looking",
    "feel",
    "feels",
    "felt",
    "feeling",
    "seem",
    "seems",
    "seemed",
    "sound",
    "sounds",
    "sounded",
    "work",
    "works",
    "worked",
    "act",
    "acts",
    "acted",
    "just",
    "more",
    "less",
    "much",
    "something",
    "anything",
    "nothing",
    "everything",
    "stuff",
    "things",
    "thing",
    "someone",
    "somebody",
    "not",
    "kind",
    "sort",
    "exactly",
    "very",
    "lot",
    "bit",
    "would've",
    "taste",
    "tastes",
    "smell",
    "smells",
    "treat",
    "treated",
    "what",
    "be",
    "behave",
];
/// Words that mark a stated contrast, making a nearby "actually" contrastive.
const CONTRAST_BEFORE: &[&str] = &[
    "not", "never", "didn't", "don't", "doesn't", "wasn't", "weren't", "isn't", "hadn't",
    "haven't", "hasn't", "before", "until", "without", "thought", "assumed", "believed",
    "expected", "figured", "seemed", "looked",
];
const FIRST_PERSON_SINGULAR: &[&str] = &[
    "i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself",
];
const FIRST_PERSON_PLURAL: &[&str] = &[
    "we",
    "we're",
    "we've",
    "we'd",
    "we'll",
    "us",
    "our",
    "ours",
    "ourselves",
];
const BE_FORMS: &[&str] = &[
    "was", "were", "been", "being", "is", "are", "got", "get", "gets", "be",
];
/// Participles that are adjectives or fixed phrases after "was", not passives.
const NOT_PASSIVE: &[&str] = &[
    "supposed",
    "used",
    "based",
    "concerned",
    "interested",
    "involved",
    "tired",
    "excited",
    "worried",
    "scared",
    "embarrassed",
    "surprised",
    "pleased",
    "stressed",
    "overwhelmed",
    "exhausted",
    "frustrated",
    "annoyed",
    "bored",
    "prepared",
    "determined",
    "convinced",
    "confused",
    "relieved",
    "focused",
    "committed",
    "qualified",
    "located",
    "married",
    "called",
    "named",
    "needed",
    "red",
    "bed",
    "shed",
    "led",
    "fed",
];
const IRREGULAR_PARTICIPLES: &[&str] = &[
    "made",
    "done",
    "given",
    "taken",
    "lost",
    "sent",
    "told",
    "left",
    "put",
    "set",
    "kept",
    "held",
    "found",
    "built",
    "broken",
    "forgotten",
    "overlooked",
    "missed",
    "shown",
    "seen",
    "known",
    "written",
    "run",
    "hit",
    "cut",
    "let",
    "caught",
    "brought",
    "bought",
    "thrown",
    "paid",
    "said",
    "chosen",
    "driven",
    "spent",
    "understood",
];
const NUMBER_WORDS: &[&str] = &[
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
    "million",
    "billion",
    "dozen",
    "half",
    "percent",
];
const TIME_UNITS: &[&str] = &[
    "second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week", "weeks",
    "month", "months", "year", "years", "shift", "shifts", "night", "nights", "morning",
    "mornings",
];
/// Units that make a number a measurement.
const MEASURE_UNITS: &[&str] = &[
    "percent",
    "per",
    "dollars",
    "pounds",
    "euros",
    "k",
    "grand",
    "points",
    "stars",
    "x",
    "times",
    "hundred",
    "thousand",
    "million",
    "customers",
    "users",
    "people",
    "orders",
    "tickets",
    "complaints",
    "calls",
    "errors",
];
/// Before a bare number, these make it a clock time ("by nine").
const CLOCK_BEFORE: &[&str] = &[
    "by", "at", "around", "until", "till", "before", "after", "past",
];
/// After "N <time unit>", these make it a point in time, not an amount.
const TIME_POSITION_AFTER: &[&str] = &[
    "later", "ago", "earlier", "before", "after", "into", "in", "out", "back", "of",
];

impl Lexicons {
    pub fn new(l: &Lexicon) -> Lexicons {
        let set = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<HashSet<_>>();
        Lexicons {
            filled: set(&l.filled_pauses),
            markers: PhraseSet::new(&l.discourse_markers),
            hedges: PhraseSet::new(&l.hedges),
            reflective: set(&l.reflective_hedges),
            blame: PhraseSet::new(&l.blame),
            fake: PhraseSet::new(&l.fake_failure),
            apology: PhraseSet::new(&l.over_apology),
            catastrophic: PhraseSet::new(&l.catastrophic),
            catastrophic_exceptions: PhraseSet::new(&l.catastrophic_exceptions),
            red_flag: PhraseSet::new(&l.red_flag_topic),
            recency: PhraseSet::new(&l.red_flag_recency),
            specific_learning: PhraseSet::new(&l.specific_learning),
            generic_learning: PhraseSet::new(&l.generic_learning),
        }
    }

    fn to_matches(set: &PhraseSet, hits: Vec<PhraseHit>) -> Vec<Match> {
        hits.into_iter()
            .map(|h| Match {
                key: set.phrases[h.phrase].to_lowercase(),
                first: h.start,
                last: h.start + h.len,
            })
            .collect()
    }

    /// Hedges, counted wherever they occur (the rubric's lexical rule).
    pub fn hedges(&self, tokens: &[Token]) -> Vec<Match> {
        Self::to_matches(&self.hedges, self.hedges.find_longest(tokens))
    }

    /// Whether a hedge is honest reflection ("I might have caught it") rather than
    /// a weak hedge: a reflective modal followed by "have", in the failure phase.
    pub fn is_reflective(&self, tokens: &[Token], m: &Match, phase: Phase) -> bool {
        phase == Phase::Failure
            && self.reflective.contains(&m.key)
            && tokens
                .get(m.last)
                .is_some_and(|t| t.norm == "have" || t.norm == "been")
    }

    /// Fillers: filled pauses and discourse markers, minus the words a hedge already
    /// took ("I feel like" is a hedge, not a "like") and minus non-filler uses.
    pub fn fillers(&self, tokens: &[Token], hedges: &[Match]) -> Vec<Match> {
        let taken: HashSet<usize> = hedges.iter().flat_map(|m| m.first..m.last).collect();
        let mut out = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            if self.filled.contains(&t.norm) && !taken.contains(&i) {
                out.push(Match {
                    key: canonical_filled(&t.norm).to_string(),
                    first: i,
                    last: i + 1,
                });
            }
        }
        for m in Self::to_matches(&self.markers, self.markers.find_longest(tokens)) {
            if (m.first..m.last).any(|i| taken.contains(&i)) {
                continue;
            }
            let keep = match m.key.as_str() {
                "like" => like_is_filler(tokens, m.first),
                "actually" => !actually_is_contrastive(tokens, m.first),
                "you know" => you_know_is_filler(tokens, m.first),
                "i mean" => i_mean_is_filler(tokens, m.first),
                _ => true,
            };
            if keep {
                out.push(m);
            }
        }
        out.sort_by_key(|m| m.first);
        out
    }

    pub fn blame(&self, tokens: &[Token]) -> Vec<Match> {
        Self::to_matches(&self.blame, self.blame.find_longest(tokens))
    }

    pub fn fake_failure(&self, tokens: &[Token]) -> Vec<Match> {
        Self::to_matches(&self.fake, self.fake.find_longest(tokens))
    }

    /// Apologies made in the interview itself; "to apologize to the client" or "I
    /// said I'm sorry to her" report an apology made at the time.
    pub fn over_apology(&self, tokens: &[Token]) -> Vec<Match> {
        Self::to_matches(&self.apology, self.apology.find_longest(tokens))
            .into_iter()
            .filter(|m| {
                let before = m.first.checked_sub(1).map(|i| tokens[i].norm.as_str());
                let reported = matches!(before, Some("to" | "said" | "say" | "told" | "wrote"));
                let sorry_to =
                    m.key.contains("sorry") && tokens.get(m.last).is_some_and(|t| t.norm == "to");
                !reported && !sorry_to
            })
            .collect()
    }

    pub fn catastrophic(&self, tokens: &[Token]) -> Vec<Match> {
        let except: Vec<(usize, usize)> = self
            .catastrophic_exceptions
            .find_all(tokens)
            .iter()
            .map(|h| (h.start, h.start + h.len))
            .collect();
        Self::to_matches(&self.catastrophic, self.catastrophic.find_longest(tokens))
            .into_iter()
            .filter(|m| !except.iter().any(|(a, b)| m.first < *b && *a < m.last))
            .collect()
    }

    /// Red-flag topics; recency phrases only count outside the learning phase.
    pub fn red_flags(&self, tokens: &[Token], phase_of: &dyn Fn(usize) -> Phase) -> Vec<Match> {
        let mut out = Self::to_matches(&self.red_flag, self.red_flag.find_longest(tokens));
        out.extend(
            Self::to_matches(&self.recency, self.recency.find_longest(tokens))
                .into_iter()
                .filter(|m| phase_of(m.first) != Phase::Learning),
        );
        out.sort_by_key(|m| m.first);
        out
    }
}

fn canonical_filled(norm: &str) -> &str {
    match norm {
        "umm" | "uhm" => "um",
        "uhh" => "uh",
        "erm" => "er",
        "mm" => "hmm",
        other => other,
    }
}

fn prev(tokens: &[Token], i: usize, back: usize) -> Option<&Token> {
    i.checked_sub(back).and_then(|j| tokens.get(j))
}

/// "like" is a filler when it is set off as an aside (", like," / "Like, …") or
/// inserted after a linking word ("we were like back under"), and not a verb,
/// comparison or "such as".
pub fn like_is_filler(tokens: &[Token], i: usize) -> bool {
    let before = prev(tokens, i, 1);
    let after = tokens.get(i + 1);
    // Set off on both sides (", like,"): an aside, whatever precedes it.
    if before.is_some_and(|b| b.pause_mark_after) && tokens[i].pause_mark_after {
        return true;
    }
    if let Some(b) = before {
        if SUBJECT_PRONOUNS.contains(&b.norm.as_str())
            || LIKE_NOT_FILLER_BEFORE.contains(&b.norm.as_str())
        {
            return false;
        }
        // "it's not like…", "isn't like"
        if prev(tokens, i, 2)
            .is_some_and(|b2| b2.norm == "not" || b2.norm == "it's" && b.norm == "not")
        {
            return false;
        }
    }
    let sentence_start = before.is_none_or(|b| b.sentence_end);
    let set_off_before = before.is_some_and(|b| b.pause_mark_after) || sentence_start;
    let set_off_after = tokens[i].pause_mark_after;
    if set_off_before || set_off_after {
        // "…, like a checklist" (comparison) keeps its article.
        let comparison = !set_off_after
            && after
                .is_some_and(|a| matches!(a.norm.as_str(), "a" | "an" | "the" | "this" | "that"));
        return !comparison;
    }
    // Unpunctuated speech: after a linking verb or conjunction and not followed by a
    // noun phrase opener, it is an inserted filler ("was like really upset").
    let linking = before.is_some_and(|b| {
        matches!(
            b.norm.as_str(),
            "was"
                | "were"
                | "is"
                | "are"
                | "it's"
                | "that's"
                | "and"
                | "but"
                | "so"
                | "um"
                | "uh"
                | "then"
        )
    });
    let np_follows = after.is_some_and(|a| {
        matches!(
            a.norm.as_str(),
            "a" | "an"
                | "the"
                | "this"
                | "that"
                | "it"
                | "me"
                | "him"
                | "her"
                | "them"
                | "us"
                | "you"
        )
    });
    linking && !np_follows
}

/// "actually" marks a contrast after a negation or a stated belief
/// ("didn't actually verify", "I thought… I was actually skipping").
pub fn actually_is_contrastive(tokens: &[Token], i: usize) -> bool {
    (1..=8)
        .filter_map(|k| prev(tokens, i, k))
        .any(|t| CONTRAST_BEFORE.contains(&t.norm.as_str()))
}

fn you_know_is_filler(tokens: &[Token], i: usize) -> bool {
    let before = prev(tokens, i, 1).map(|t| t.norm.as_str());
    let after = tokens.get(i + 2).map(|t| t.norm.as_str());
    !matches!(
        before,
        Some("do" | "did" | "don't" | "didn't" | "if" | "as" | "would" | "will" | "what" | "could")
    ) && !matches!(
        after,
        Some(
            "how"
                | "what"
                | "that"
                | "why"
                | "where"
                | "who"
                | "whether"
                | "about"
                | "him"
                | "her"
                | "them"
                | "it"
        )
    )
}

fn i_mean_is_filler(tokens: &[Token], i: usize) -> bool {
    let before = prev(tokens, i, 1).map(|t| t.norm.as_str());
    let after = tokens.get(i + 2).map(|t| t.norm.as_str());
    !matches!(
        before,
        Some("what" | "if" | "do" | "don't" | "did" | "didn't")
    ) && after != Some("to")
}

/// First person singular and plural words, and passive constructions.
pub fn ownership_counts(tokens: &[Token]) -> (usize, usize, Vec<(usize, usize)>) {
    let i_count = tokens
        .iter()
        .filter(|t| FIRST_PERSON_SINGULAR.contains(&t.norm.as_str()))
        .count();
    let we_count = tokens
        .iter()
        .filter(|t| FIRST_PERSON_PLURAL.contains(&t.norm.as_str()))
        .count();
    let mut passives = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if !BE_FORMS.contains(&t.norm.as_str()) {
            continue;
        }
        // be + (adverb) + participle, not followed by "by me".
        for k in 1..=2 {
            let Some(w) = tokens.get(i + k) else { break };
            let participle = (w.norm.ends_with("ed") && w.norm.len() > 4
                || IRREGULAR_PARTICIPLES.contains(&w.norm.as_str()))
                && !NOT_PASSIVE.contains(&w.norm.as_str());
            if participle {
                let by_me = tokens.get(i + k + 1).is_some_and(|b| b.norm == "by")
                    && tokens.get(i + k + 2).is_some_and(|m| m.norm == "me");
                if !by_me {
                    passives.push((i, i + k + 1));
                }
                break;
            }
            if !w.norm.ends_with("ly")
                && !matches!(
                    w.norm.as_str(),
                    "never" | "not" | "all" | "just" | "also" | "then"
                )
            {
                break;
            }
        }
    }
    (i_count, we_count, passives)
}

/// How the speaker owns the mistake: whether any statement names their own part
/// ("I skipped…", "my fault", "I was the one who…"), and whether every such statement
/// is hedged ("I think I could have…", "I sort of…").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnedMistake {
    pub owned: bool,
    pub hedged: bool,
}

pub fn owns_a_mistake(tokens: &[Token], hedges: &[Match]) -> OwnedMistake {
    const SUBJECTS: &[&str] = &["i", "i'd"];
    const VERBS: &[&str] = &[
        "didn't",
        "forgot",
        "missed",
        "skipped",
        "failed",
        "assumed",
        "overlooked",
        "approved",
        "made",
        "should",
        "wasn't",
        "never",
        "underestimated",
        "overestimated",
        "rushed",
        "ignored",
        "hadn't",
        "picked",
        "chose",
        "decided",
        "let",
        "signed",
        "sent",
        "shipped",
        "pushed",
        "promised",
        "put",
        "figured",
        "booked",
        "messed",
        "could've",
        "should've",
        "misread",
        "mixed",
        "dropped",
        "lost",
    ];
    // A hedge just before the statement, or inside it, softens it.
    let hedged_at = |i: usize| hedges.iter().any(|h| h.last <= i + 3 && h.last + 4 >= i);
    let mut statements = Vec::new();
    for (i, w) in tokens.windows(2).enumerate() {
        let pair = (w[0].norm.as_str(), w[1].norm.as_str());
        let possessive = matches!(
            pair,
            ("my", "mistake")
                | ("my", "fault")
                | ("on", "me")
                | ("my", "responsibility")
                | ("my", "job")
                | ("my", "error")
        );
        let the_one = pair == ("i", "was")
            && tokens.get(i + 2).is_some_and(|t| t.norm == "the")
            && tokens.get(i + 3).is_some_and(|t| t.norm == "one");
        if possessive || the_one {
            statements.push(i);
        }
    }
    for (i, t) in tokens.iter().enumerate() {
        if SUBJECTS.contains(&t.norm.as_str())
            && (1..=3)
                .filter_map(|k| tokens.get(i + k))
                .any(|w| VERBS.contains(&w.norm.as_str()))
            && prev(tokens, i, 1).is_none_or(|b| b.norm != "like")
        // "not like I didn't know"
        {
            statements.push(i);
        }
    }
    let owned = !statements.is_empty();
    OwnedMistake {
        owned,
        hedged: owned && statements.iter().all(|&i| hedged_at(i)),
    }
}

/// Amounts: numbers with units, percentages, money, counts — but not time positions
/// ("two weeks later") or years.
pub fn quantities(tokens: &[Token]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let digits = t.norm.chars().any(|c| c.is_ascii_digit());
        let year = t.norm.len() == 4
            && t.norm
                .parse::<u32>()
                .is_ok_and(|y| (1900..=2099).contains(&y));
        // "twenty-eight" is a number, "double-check" is not.
        let word_number = t.norm.split('-').all(|p| NUMBER_WORDS.contains(&p));
        let money_or_pct = t.raw.contains(['%', '$', '£', '€']);
        if (digits && !year) || word_number || money_or_pct {
            let mut end = i + 1;
            while end < tokens.len()
                && (tokens[end]
                    .norm
                    .split('-')
                    .all(|p| NUMBER_WORDS.contains(&p))
                    || tokens[end].norm == "and"
                        && tokens
                            .get(end + 1)
                            .is_some_and(|n| NUMBER_WORDS.contains(&n.norm.as_str())))
            {
                end += 1;
            }
            let unit = tokens.get(end).map(|u| u.norm.as_str());
            let time_position = unit.is_some_and(|u| TIME_UNITS.contains(&u))
                && tokens
                    .get(end + 1)
                    .is_some_and(|n| TIME_POSITION_AFTER.contains(&n.norm.as_str()));
            let has_unit = unit
                .is_some_and(|u| TIME_UNITS.contains(&u) || MEASURE_UNITS.contains(&u))
                || money_or_pct;
            // "by nine", "at five": a clock time, not an amount.
            let clock_time = prev(tokens, i, 1)
                .is_some_and(|b| CLOCK_BEFORE.contains(&b.norm.as_str()))
                && !has_unit;
            // A bare "two" is usually a determiner ("two new hires"), not a measurement.
            let small_count = end == i + 1 && t.norm == "two" && !has_unit;
            if !time_position && !clock_time && !small_count {
                out.push((i, (end + 1).min(tokens.len())));
            }
            i = end;
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::rubric::Rubric;
    use crate::analysis::text::{tokens_from_words, transcript_from_text};

    fn toks(s: &str) -> Vec<Token> {
        tokens_from_words(&transcript_from_text(s, 150.0).words)
    }

    fn fillers(s: &str) -> Vec<String> {
        let l = Lexicons::new(&Rubric::builtin().lexicon);
        let t = toks(s);
        let h = l.hedges(&t);
        l.fillers(&t, &h).into_iter().map(|m| m.key).collect()
    }

    #[test]
    fn like_counts_only_as_a_discourse_filler() {
        assert_eq!(
            fillers("The new guys were, like, totally overwhelmed."),
            ["like"]
        );
        assert_eq!(fillers("Like, plan ahead more."), ["like"]);
        assert_eq!(
            fillers("By Thursday we were like back under our rate."),
            ["like"]
        );
        for not in [
            "I like that it's boring.",
            "It works like a pre-flight checklist.",
            "It looked like it was fine.",
            "It felt like the obvious step.",
            "Benefits like SNAP were unclear.",
            "Something small like a new pallet lane.",
            "Stuff like this happens.",
            "It's not like I didn't know.",
            "People who are more like the real respondents.",
        ] {
            assert!(fillers(not).is_empty(), "{not}: {:?}", fillers(not));
        }
    }

    #[test]
    fn i_feel_like_is_a_hedge_not_a_filler() {
        let l = Lexicons::new(&Rubric::builtin().lexicon);
        let t = toks("Which I feel like is really important.");
        let h = l.hedges(&t);
        assert_eq!(
            h.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(),
            ["i feel like"]
        );
        assert!(l.fillers(&t, &h).is_empty());
    }

    #[test]
    fn contrastive_actually_is_not_a_filler() {
        assert_eq!(
            fillers("That failure actually made me better."),
            ["actually"]
        );
        assert!(fillers("I didn't actually verify it.").is_empty());
        assert!(fillers("I thought I was moving fast. I was actually skipping steps.").is_empty());
    }

    #[test]
    fn filled_pauses_and_markers_are_counted_with_their_keys() {
        assert_eq!(
            fillers("Um, so, uh, you know, I mean, it basically literally broke. Umm."),
            [
                "um",
                "uh",
                "you know",
                "i mean",
                "basically",
                "literally",
                "um"
            ]
        );
        assert!(fillers("Do you know how to fix it? That's what I mean to say.").is_empty());
    }

    #[test]
    fn reported_apologies_are_not_over_apology() {
        let l = Lexicons::new(&Rubric::builtin().lexicon);
        assert_eq!(l.over_apology(&toks("I'm so sorry, I apologize.")).len(), 2);
        assert!(
            l.over_apology(&toks("I called to apologize on behalf of the paper."))
                .is_empty()
        );
        assert!(l.over_apology(&toks("I apologized to my boss.")).is_empty());
        assert!(
            l.over_apology(&toks("I said I'm sorry to the client."))
                .is_empty()
        );
    }

    #[test]
    fn technical_disaster_words_are_not_catastrophic() {
        let l = Lexicons::new(&Rubric::builtin().lexicon);
        assert!(
            l.catastrophic(&toks("We tested the disaster recovery plan."))
                .is_empty()
        );
        let hits = l.catastrophic(&toks(
            "It was a total disaster and completely ruined my term.",
        ));
        assert_eq!(
            hits.iter().map(|m| m.key.as_str()).collect::<Vec<_>>(),
            ["total disaster", "ruined"]
        );
    }

    #[test]
    fn passives_and_pronouns_are_counted() {
        let (i, we, passive) = ownership_counts(&toks(
            "Mistakes were made and the report was sent late. I was tired, and we missed it.",
        ));
        assert_eq!((i, we), (1, 1));
        assert_eq!(passive.len(), 2, "{passive:?}");
        assert!(
            ownership_counts(&toks("The email was written by me."))
                .2
                .is_empty()
        );
    }

    #[test]
    fn amounts_are_found_but_time_positions_are_not() {
        let q = |s: &str| quantities(&toks(s)).len();
        assert_eq!(q("Retention went from 82% to 97%."), 2);
        assert_eq!(q("It cost $40,000 and delayed us ten days."), 2);
        assert_eq!(q("Eleven out of twenty-eight students failed."), 2);
        assert_eq!(q("Two weeks later, in 2021, I told her."), 0);
        assert_eq!(q("A month later I moved on."), 0);
        assert_eq!(
            q("I put two new baristas on, and by nine we ran out. Double-check stuff."),
            0
        );
        assert_eq!(q("We lost two days."), 1);
    }

    #[test]
    fn owning_a_mistake_is_recognised() {
        let l = Lexicons::new(&Rubric::builtin().lexicon);
        let own = |s: &str| {
            let t = toks(s);
            owns_a_mistake(&t, &l.hedges(&t))
        };
        assert_eq!(
            own("I skipped the staging run."),
            OwnedMistake {
                owned: true,
                hedged: false
            }
        );
        assert!(own("That check was exactly my job.").owned);
        assert!(own("I was the one who pushed for it.").owned);
        assert!(!own("It's not like I didn't know how to teach it. They never replied.").owned);
        assert_eq!(
            own("I think I could have handled it, I sort of missed it."),
            OwnedMistake {
                owned: true,
                hedged: true
            }
        );
    }
}
