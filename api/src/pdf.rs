//! Plain PDF documents: lines of monospaced text on landscape A4 pages, with the built-in
//! Courier font (no font files, no layout engine).

use printpdf::{
    BuiltinFont, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem,
};

const LINES_PER_PAGE: usize = 42;
const FONT_SIZE: f32 = 8.0;
const LINE_HEIGHT: f32 = 11.0;

/// The built-in fonts encode Latin-1 only: anything else prints as `?`.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}

/// A document of `lines`, paged.
pub fn text_document(title: &str, lines: &[String]) -> Vec<u8> {
    let mut doc = PdfDocument::new(title);
    let pages: Vec<PdfPage> = lines
        .chunks(LINES_PER_PAGE)
        .map(|chunk| {
            let mut ops = vec![
                Op::StartTextSection,
                Op::SetTextCursor {
                    pos: Point::new(Mm(15.0), Mm(195.0)),
                },
                Op::SetFont {
                    font: PdfFontHandle::Builtin(BuiltinFont::Courier),
                    size: Pt(FONT_SIZE),
                },
                Op::SetLineHeight {
                    lh: Pt(LINE_HEIGHT),
                },
            ];
            for line in chunk {
                ops.push(Op::ShowText {
                    items: vec![TextItem::Text(printable(line))],
                });
                ops.push(Op::AddLineBreak);
            }
            ops.push(Op::EndTextSection);
            PdfPage::new(Mm(297.0), Mm(210.0), ops)
        })
        .collect();
    let pages = if pages.is_empty() {
        vec![PdfPage::new(Mm(297.0), Mm(210.0), Vec::new())]
    } else {
        pages
    };
    doc.with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_a_pdf() {
        let lines: Vec<String> = (0..100).map(|i| format!("Line {i} — é")).collect();
        let bytes = text_document("Test", &lines);
        assert!(bytes.starts_with(b"%PDF"));
    }
}
