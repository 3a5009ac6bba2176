"""A report's plan section (lexicon plan_sections): under "三、2025年工作打算" every sentence
is a plan's, to the next heading of its level; what the report says done before it is
not (a 工作总结 read from a real DOCX)."""

from __future__ import annotations

from pathlib import Path

from docx import Document

from sxcheck.catalogue.loader import RuleSet
from sxcheck.evidence import read_documents, sentences_of
from sxcheck.ingest import read_document

PARAGRAPHS = [
    "临县2024年新型智慧城市建设工作总结",
    "一、主要工作成效",
    "（一）基础设施。全县新建5G基站126个，重点区域实现连续覆盖。",
    "（二）政务服务。社保服务已实现网站、手机APP和12333电话办理。",
    "二、2025年工作打算",
    "（一）基础设施",
    "一是建成县级政务云灾备中心。二是完成社保自助服务一体机部署。",
    "（二）政务服务",
    "开通短信办理渠道，推进“一件事”集成办理。",
    "三、保障措施",
    "县政府办公室定期通报各单位工作进展。",
]


def test_sentences_under_a_plan_heading_are_the_plans(tmp_path: Path, rules: RuleSet) -> None:
    path = tmp_path / "工作总结.docx"
    document = Document()
    for text in PARAGRAPHS:
        document.add_paragraph(text)
    document.save(path)
    read = read_document(path, path.name)
    units, officials, listing = read_documents([read], rules.lexicon)
    sentences = sentences_of(units, 2024, rules.lexicon, officials, listing)
    planned = [s.text for s in sentences if s.in_plan]
    assert planned == [
        "二、2025年工作打算",
        "（一）基础设施",
        "一是建成县级政务云灾备中心。",
        "二是完成社保自助服务一体机部署。",
        "（二）政务服务",
        "开通短信办理渠道，推进“一件事”集成办理。",
    ]
