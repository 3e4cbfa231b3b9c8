"""The questions the report and consultation forms ask (custom actions, so a question can mention what is known)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import can_send
from actions.reports import category_label


class Prompt(Action, ABC):
    text: ClassVar[Text] = ""
    buttons: ClassVar[Tuple[Tuple[Text, Text], ...]] = ()  # (title, payload)

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    def render(self, tracker: Tracker) -> Text:
        return self.text

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        buttons = [{"title": title, "payload": payload} for title, payload in self.buttons]
        dispatcher.utter_message(text=self.render(tracker), buttons=buttons)
        return []


class AskReportDescription(Prompt):
    def name(self) -> Text:
        return "action_ask_report_description"

    text = (
        "Dạ, anh/chị cho em biết đã xảy ra việc gì ạ? Anh/chị mô tả ngắn giúp em "
        "(ví dụ: đèn đường không sáng, rác đổ bừa bãi, đường ngập nước…)."
    )


class AskReportLocation(Prompt):
    def name(self) -> Text:
        return "action_ask_report_location"

    text = (
        "Dạ, sự việc xảy ra ở đâu ạ? Anh/chị ghi rõ ấp/thôn, đường hoặc địa điểm gần đó, hoặc gửi vị trí trên bản đồ."
    )
    buttons = (("Chọn loại khác", "sửa loại sự việc"),)

    def render(self, tracker: Tracker) -> Text:
        # Confirms the category the NLU recognised; "Chọn loại khác" lets the citizen change it.
        text = self.text if can_send(tracker, "location") else self.text.replace(", hoặc gửi vị trí trên bản đồ", "")
        return f"Dạ, em ghi nhận phản ánh về: {category_label(tracker.get_slot('report_category'))}.\n{text}"


class AskReportPhoto(Prompt):
    def name(self) -> Text:
        return "action_ask_report_photo"

    text = 'Dạ, anh/chị có ảnh hiện trường không ạ? Anh/chị gửi ảnh vào đây, hoặc bấm "Bỏ qua".'
    buttons = (("Bỏ qua", "bỏ qua"),)


class AskReportPhone(Prompt):
    def name(self) -> Text:
        return "action_ask_report_phone"

    text = (
        "Dạ, anh/chị cho em xin số điện thoại di động để cán bộ liên hệ khi cần ạ. "
        'Nếu muốn ẩn danh, anh/chị nhắn "không".'
    )
    buttons = (("Ẩn danh", "không"),)


class AskConsultProblem(Prompt):
    def name(self) -> Text:
        return "action_ask_consult_problem"

    text = "Dạ, anh/chị cần tư vấn về vấn đề sức khỏe gì ạ? Anh/chị mô tả ngắn giúp em."


class AskConsultName(Prompt):
    def name(self) -> Text:
        return "action_ask_consult_name"

    text = "Dạ, anh/chị cho em xin họ tên người cần tư vấn ạ."


class AskConsultPhone(Prompt):
    def name(self) -> Text:
        return "action_ask_consult_phone"

    text = "Dạ, anh/chị cho em xin số điện thoại để cán bộ y tế gọi lại ạ."


class AskConsultTime(Prompt):
    def name(self) -> Text:
        return "action_ask_consult_time"

    text = "Dạ, anh/chị muốn được gọi tư vấn vào thời gian nào ạ?"
    buttons = (
        ("Sáng mai", "sáng mai"),
        ("Chiều mai", "chiều mai"),
        ("Càng sớm càng tốt", "càng sớm càng tốt"),
    )
