//! Tick boxes. A box is read by the share of ink in its interior; the blank form prints nothing inside a box
//! (validation keeps labels and lines outside), so any ink there was put there by the reporter.
//!
//! Three states, as the printed instructions say ("Kryssa så här", "Ångra ett kryss: fyll rutan helt"):
//! empty; ticked (a tick, a cross, a stroke, a heavy dot); cancelled (filled almost completely), which reads as
//! not ticked. The confidence grows with the distance of the ink share from the nearest decision threshold.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickState {
    Empty,
    Ticked,
    /// Filled in completely: a tick taken back.
    Cancelled,
}

/// Below this share of ink the box is empty. A thin tick covers about 8 % of a 5 mm box's interior, noise and
/// a neighbouring box's pen stroke crossing the edge well under 2 %.
pub const TICKED_FROM: f32 = 0.02;

/// A box is filled in (a tick taken back) when even its second least inked ninth has this much ink...
pub const FILLED_NINTH_FROM: f32 = 0.4;
/// ...and the whole box this much. Measured on the generator's pens (`tests/ticks.rs`): a scribbled fill has
/// 0.73-0.99 and its second emptiest ninth at least 0.5; a cross at most 0.68 and 0.36 (a felt pen, 1st and 99th
/// percentiles, 200 and 300 dpi).
pub const FILLED_FROM: f32 = 0.6;

/// `ink` is the share of the interior that is ink, `ninths` that of each of its 3 x 3 parts.
pub fn classify(ink: f32, ninths: &[f32; 9]) -> (TickState, f32) {
    let squash = |margin: f32| (0.5 + 0.5 * margin.clamp(0.0, 1.0)).min(0.999);
    let mut sorted = *ninths;
    sorted.sort_by(f32::total_cmp);
    let second = sorted[1];
    // How far the box is from a fill, by either measure: positive inside the fill region.
    let fill_margin = ((second - FILLED_NINTH_FROM) / 0.2).min((ink - FILLED_FROM) / 0.15);
    if fill_margin >= 0.0 {
        return (TickState::Cancelled, squash(fill_margin));
    }
    if ink < TICKED_FROM {
        (
            TickState::Empty,
            squash((TICKED_FROM - ink) / (TICKED_FROM * 0.6)),
        )
    } else {
        let m = ((ink - TICKED_FROM) / (TICKED_FROM * 0.8)).min(-fill_margin);
        (TickState::Ticked, squash(m))
    }
}

/// Reads one box from its interior (the printed outline cut away): its state, the confidence, and the share of
/// ink, which the page keeps to tell a rescan from another sheet.
pub fn read_box(interior: &image::GrayImage, paper: u8) -> (TickState, f32, f32) {
    let level = (f32::from(paper.max(96)) * INK_LEVEL) as u8;
    let ink = super::cells::ink_below(interior, level);
    let (state, confidence) = classify(ink, &super::cells::ninths(interior, level));
    (state, confidence, ink)
}

/// Darker than this share of the paper level is ink in a tick box. Lighter than for characters: nothing is
/// printed inside a box, and a pencil tick (grey 100-140 on paper at 230) must count.
pub const INK_LEVEL: f32 = 0.75;

/// How far inside the printed outline a box is read (mm): clear of the line and of the scanner's blur of it.
pub const INSET_MM: f32 = 0.85;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_confidence() {
        let none = [0.0; 9];
        let cross = [0.5, 0.0, 0.5, 0.0, 0.9, 0.0, 0.5, 0.0, 0.5];
        assert_eq!(classify(0.0, &none).0, TickState::Empty);
        assert!(classify(0.0, &none).1 > 0.99);
        assert_eq!(classify(0.15, &cross).0, TickState::Ticked);
        assert!(classify(0.15, &cross).1 > 0.99);
        assert_eq!(classify(0.9, &[0.8; 9]).0, TickState::Cancelled);
        assert!(classify(0.9, &[0.8; 9]).1 > 0.99);
        assert_eq!(
            classify(0.45, &cross).0,
            TickState::Ticked,
            "a heavy cross is not a fill"
        );
        assert!(
            classify(TICKED_FROM - 0.001, &none).1 < 0.6,
            "near the threshold is uncertain"
        );
        assert!(classify(TICKED_FROM + 0.001, &none).1 < 0.6);
    }
}
