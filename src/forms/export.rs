//! The layout export (`blankett layout`): the geometry contract outside tools read. See shared/README.md.

use super::Form;
use super::layout::Geometry;
use super::page::{self, Rect};
use serde_json::{Value, json};

fn mm(v: f32) -> f64 {
    (f64::from(v) * 100.0).round() / 100.0
}

fn rect(r: &Rect) -> Value {
    json!({"x": mm(r.x), "y": mm(r.y), "w": mm(r.w), "h": mm(r.h)})
}

/// Millimetres from the page's top-left corner, fields in reading order.
pub fn layout_json(form: &Form) -> Value {
    let pages: Vec<Value> = form
        .layout
        .pages
        .iter()
        .map(|p| {
            let fields: Vec<Value> = p
                .fields
                .iter()
                .map(|f| match &f.geometry {
                    Geometry::Comb { charset, cells } => json!({
                        "name": f.name, "label": f.label, "kind": "comb", "charset": charset,
                        "cells": cells.iter().map(rect).collect::<Vec<_>>(),
                    }),
                    Geometry::Choice { multiple, options } => json!({
                        "name": f.name, "label": f.label, "kind": "choice", "multiple": multiple,
                        "options": options.iter().map(|o| json!({"value": o.value, "label": o.label, "box": rect(&o.rect)})).collect::<Vec<_>>(),
                    }),
                    Geometry::Text { rect: r } => json!({"name": f.name, "label": f.label, "kind": "text", "box": rect(r)}),
                })
                .collect();
            json!({"page": p.page, "fields": fields})
        })
        .collect();
    let marks: Vec<Value> = page::CORNER_MARKS
        .iter()
        .map(|m| json!({"corner": m.corner, "box": rect(&m.rect)}))
        .collect();
    json!({
        "form": form.def.form,
        "version": form.def.version,
        "code": form.code.to_string(),
        "title": form.def.title,
        "page_size_mm": [page::PAGE_W, page::PAGE_H],
        "corner_marks": marks,
        "qr_zones": page::QR_ZONES.iter().map(rect).collect::<Vec<_>>(),
        "pages": pages,
    })
}
