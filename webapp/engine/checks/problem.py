"""A problem found by the deploy checks, and how it reads for the designer."""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    element_id: str
    element_name: str
    message: str
    hint: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file or "（整个版本）"
        if self.element_id:
            where += f" · {self.element_id}" + (f"（{self.element_name}）" if self.element_name else "")
        text = f"{where}：{self.message.rstrip('。')}。"
        if self.hint:
            text += f"修改建议：{self.hint.rstrip('。')}。"
        return text if self.severity == ERROR else f"[提醒] {text}"


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]
