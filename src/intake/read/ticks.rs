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
/// Above this the box is filled in, i.e. cancelled. Heavy crosses reach about 45 %.
pub const CANCELLED_FROM: f32 = 0.62;

pub fn classify(ink: f32) -> (TickState, f32) {
    let squash = |margin: f32| (0.5 + 0.5 * margin.clamp(0.0, 1.0)).min(0.999);
    if ink < TICKED_FROM {
        (
            TickState::Empty,
            squash((TICKED_FROM - ink) / (TICKED_FROM * 0.6)),
        )
    } else if ink < CANCELLED_FROM {
        let m = ((ink - TICKED_FROM) / (TICKED_FROM * 0.8)).min((CANCELLED_FROM - ink) / 0.12);
        (TickState::Ticked, squash(m))
    } else {
        (TickState::Cancelled, squash((ink - CANCELLED_FROM) / 0.12))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_confidence() {
        assert_eq!(classify(0.0).0, TickState::Empty);
        assert!(classify(0.0).1 > 0.99);
        assert_eq!(classify(0.15).0, TickState::Ticked);
        assert!(classify(0.15).1 > 0.99);
        assert_eq!(classify(0.9).0, TickState::Cancelled);
        assert!(
            classify(TICKED_FROM - 0.001).1 < 0.6,
            "near the threshold is uncertain"
        );
        assert!(classify(TICKED_FROM + 0.001).1 < 0.6);
    }
}
