//! Blank copies for printing: each gets its own form ID, recorded in the register of issued IDs before it is
//! rendered, and all of them go into one PDF. The command line's `print` and the public site's PDFs both come
//! through here.

use crate::domain::regions::Region;
use crate::formid::FormId;
use crate::forms::Form;
use crate::render::{Copy, Renderer};
use crate::store::Store;
use crate::store::issued::{Channel, IssueRequest};

/// Issues `count` IDs for copies made of `parts` (main form first, then supplements) for `region`, and renders
/// them. The IDs are recorded (and so never issued again) even when rendering fails afterwards.
pub fn issue_and_render(
    store: &Store,
    renderer: &Renderer,
    parts: &[&Form],
    region: &Region,
    count: usize,
    channel: Channel,
) -> Result<(Vec<u8>, Vec<FormId>), String> {
    let ids = issue(store, parts, region, count, channel)?;
    let pdf = render(renderer, parts, region, &ids)?;
    Ok((pdf, ids))
}

/// Records `count` new IDs in the register of issued IDs.
pub fn issue(
    store: &Store,
    parts: &[&Form],
    region: &Region,
    count: usize,
    channel: Channel,
) -> Result<Vec<FormId>, String> {
    let main = parts.first().ok_or("ingen blankett vald")?;
    let request = IssueRequest {
        form: main.code,
        form_name: main.name(),
        supplements: parts[1..]
            .iter()
            .map(|f| (f.name().to_string(), f.version()))
            .collect(),
        region: &region.code,
        channel,
        filled_on_screen: false,
    };
    store
        .issued
        .issue(&request, count)
        .map_err(|e| e.to_string())
}

/// One PDF with a copy of `parts` for each of `ids`.
pub fn render(
    renderer: &Renderer,
    parts: &[&Form],
    region: &Region,
    ids: &[FormId],
) -> Result<Vec<u8>, String> {
    let copies: Vec<Copy<'_>> = ids
        .iter()
        .map(|&id| Copy {
            id,
            parts: parts.to_vec(),
            region,
        })
        .collect();
    renderer.render(&copies).map_err(|e| e.to_string())
}
