"""Built-in questionnaire templates: data, and one builder (`builtin_spec`) that turns it into a spec.

Item counts follow the published methods (SIPAS of the Ministry of Home Affairs; the Ministry of Health
patient and staff surveys); the wording is ours, written in the spirit of each element.
Load one with `questionnaire_load_template` (admin button «Nạp phiếu mẫu», command
`load_questionnaire_template NAME`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from surveys.models import QuestionRole, QuestionType
from surveys.specs import QuestionnaireSpec, QuestionSpec, SectionSpec

DONT_KNOW = 9  # "Không biết / không trả lời": a missing code, left out of numerator and denominator

# A choice list: (list name, [(value, label, label_en)]).
ChoiceList = tuple[str, list[tuple[int, str, str]]]

SATISFACTION_5: ChoiceList = (
    "hai_long_5",
    [
        (1, "Rất không hài lòng", "Very dissatisfied"),
        (2, "Không hài lòng", "Dissatisfied"),
        (3, "Bình thường", "Neutral"),
        (4, "Hài lòng", "Satisfied"),
        (5, "Rất hài lòng", "Very satisfied"),
    ],
)
SATISFACTION_5_DK: ChoiceList = (
    "hai_long_5_kb",
    [*SATISFACTION_5[1], (DONT_KNOW, "Không biết / không trả lời", "Don't know / no answer")],
)
HEALTH_5: ChoiceList = (
    "muc_do_yte_5",
    [
        (1, "Rất không hài lòng / Rất kém", "Very dissatisfied / very poor"),
        (2, "Không hài lòng / Kém", "Dissatisfied / poor"),
        (3, "Bình thường / Trung bình", "Neutral / average"),
        (4, "Hài lòng / Tốt", "Satisfied / good"),
        (5, "Rất hài lòng / Rất tốt", "Very satisfied / very good"),
    ],
)
EXPECTATION_4: ChoiceList = (
    "mong_muon_4",
    [
        (1, "Không mong muốn", "Not wanted"),
        (2, "Ít mong muốn", "Slightly wanted"),
        (3, "Mong muốn", "Wanted"),
        (4, "Rất mong muốn", "Strongly wanted"),
    ],
)
YES_NO: ChoiceList = ("co_khong", [(1, "Có", "Yes"), (2, "Không", "No")])
COST_VS_QUALITY: ChoiceList = (
    "chi_phi",
    [
        (1, "Rất đắt, không xứng với chất lượng", "Far too expensive for the quality"),
        (2, "Đắt hơn so với chất lượng", "Expensive for the quality"),
        (3, "Tương xứng với chất lượng", "Fair for the quality"),
        (4, "Rẻ so với chất lượng", "Cheap for the quality"),
        (5, "Không tự chi trả nên không biết", "Did not pay, cannot say"),
    ],
)
RETURN_OR_RECOMMEND: ChoiceList = (
    "quay_lai",
    [
        (1, "Chắc chắn không quay lại", "Will certainly not come back"),
        (2, "Không muốn quay lại nhưng có ít lựa chọn khác", "Would rather not, but there is little choice"),
        (3, "Muốn chuyển sang cơ sở y tế khác", "Would move to another facility"),
        (4, "Có thể sẽ quay lại", "May come back"),
        (5, "Chắc chắn quay lại hoặc giới thiệu cho người khác", "Will certainly come back or recommend it"),
        (6, "Khác (ghi rõ)", "Other (specify)"),
    ],
)
RETURN_TIME: ChoiceList = (
    "so_voi_hen",
    [(1, "Sớm hơn ngày hẹn", "Earlier than promised"), (2, "Đúng ngày hẹn", "On the promised day"), (3, "Trễ hẹn", "Later than promised")],
)


@dataclass(frozen=True)
class Element:
    """A section whose items all share one scale and one rule for the index."""

    code: str
    title: str
    title_en: str
    items: list[str]
    scale: ChoiceList = SATISFACTION_5
    role: str = QuestionRole.INDEX


@dataclass(frozen=True)
class Template:
    code: str
    title: str
    title_en: str
    elements: list[Element]
    extra_sections: list[SectionSpec] | None = None

    @property
    def label(self) -> str:
        return str(self.title)


def _choices(scale: ChoiceList) -> list[dict[str, Any]]:
    return [{"value": value, "name": str(value), "label": label, "label_en": label_en} for value, label, label_en in scale[1]]


def _scaled_levels(scale: ChoiceList) -> tuple[str, list[int], list[int]]:
    """(type, satisfied levels, missing codes) of a scale: the top two levels count as satisfied."""
    levels = [value for value, _label, _en in scale[1] if value != DONT_KNOW]
    question_type = QuestionType.LIKERT5 if len(levels) == 5 else QuestionType.LIKERT4
    return question_type, levels[-2:], [value for value, _label, _en in scale[1] if value == DONT_KNOW]


def choice_question(code: str, text: str, scale: ChoiceList, *, question_type: str = QuestionType.SINGLE, **extra: Any) -> QuestionSpec:
    return QuestionSpec(code=code, text=text, type=question_type, choices=_choices(scale), choice_list=scale[0], **extra)


def _element_section(element: Element) -> SectionSpec:
    question_type, satisfied, missing = _scaled_levels(element.scale)
    return SectionSpec(
        code=element.code,
        title=element.title,
        title_en=element.title_en,
        questions=[
            choice_question(
                f"{element.code}{number}",
                text,
                element.scale,
                question_type=question_type,
                required=True,
                satisfied_levels=satisfied,
                missing_codes=missing,
                role=element.role,
            )
            for number, text in enumerate(element.items, start=1)
        ],
    )


def _health_general(expectation_text: str, *, with_cost: bool) -> SectionSpec:
    """Section G of the Ministry of Health patient forms: outside the satisfaction rates."""
    questions = []
    if with_cost:
        questions.append(choice_question("CP", "So với chất lượng dịch vụ nhận được, chi phí lần điều trị này là:", COST_VS_QUALITY))
    questions += [
        QuestionSpec(
            code="G1",
            text=expectation_text,
            hint="Ghi một số từ 0 đến 100 (% đáp ứng so với mong đợi).",
            type=QuestionType.NUMBER,
            required=True,
            min_value=Decimal(0),
            max_value=Decimal(100),
            constraint=". >= 0 and . <= 100",
            constraint_message="Nhập một số từ 0 đến 100.",
            role=QuestionRole.EXPECTATION,
        ),
        choice_question(
            "G2",
            "Nếu cần khám, chữa bệnh tương tự, ông/bà có quay lại hoặc giới thiệu người khác đến đây không?",
            RETURN_OR_RECOMMEND,
            required=True,
            satisfied_levels=[4, 5],
            role=QuestionRole.RETURN,
        ),
        QuestionSpec(code="G2_khac", text="Ghi rõ ý kiến khác:", type=QuestionType.TEXT, relevant="${G2} = 6"),
    ]
    return SectionSpec(code="G", title="Đánh giá chung", title_en="Overall assessment", questions=questions)


SIPAS = Template(
    code="sipas",
    title=_("Khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính (SIPAS)"),
    title_en="Satisfaction with public administrative services (SIPAS)",
    elements=[
        Element(
            "TC",
            "Tiếp cận dịch vụ",
            "Access to the service",
            [
                "Chỗ ngồi chờ tại nơi tiếp nhận hồ sơ đủ cho người đến làm thủ tục",
                "Nơi làm thủ tục có đủ trang thiết bị cần thiết (bàn viết, máy tra cứu, quạt hoặc điều hòa, nước uống…)",
                "Trang thiết bị tại nơi làm thủ tục dễ dùng và đang hoạt động tốt",
            ],
            SATISFACTION_5_DK,
        ),
        Element(
            "TT",
            "Thủ tục hành chính",
            "Administrative procedures",
            [
                "Thủ tục được niêm yết công khai, đầy đủ tại nơi tiếp nhận hoặc trên Cổng dịch vụ công",
                "Giấy tờ phải nộp đúng với thành phần hồ sơ đã niêm yết, không phải nộp thêm",
                "Phí, lệ phí phải nộp đúng với mức đã niêm yết",
                "Thời hạn giải quyết ghi trên giấy hẹn đúng với thời hạn đã niêm yết",
            ],
            SATISFACTION_5_DK,
        ),
        Element(
            "CC",
            "Công chức phục vụ",
            "Civil servants",
            [
                "Công chức có thái độ lịch sự, tôn trọng khi tiếp xúc với ông/bà",
                "Công chức hướng dẫn kê khai, bổ sung hồ sơ tận tình, dễ hiểu",
                "Công chức làm đúng quy định, không gây phiền hà, không đòi thêm giấy tờ hay chi phí ngoài quy định",
            ],
            SATISFACTION_5_DK,
        ),
        Element(
            "KQ",
            "Kết quả giải quyết thủ tục",
            "Results",
            [
                "Kết quả nhận được đúng với quy định",
                "Thông tin trên kết quả đầy đủ, chính xác",
                "Ông/bà nhận kết quả đúng hoặc sớm hơn ngày hẹn",
            ],
            SATISFACTION_5_DK,
        ),
        Element(
            "PA",
            "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
            "Handling of feedback and complaints",
            [
                "Cơ quan có hình thức tiếp nhận góp ý, phản ánh dễ dùng (hòm thư, đường dây nóng, cổng điện tử)",
                "Góp ý, phản ánh của ông/bà được tiếp nhận và xử lý tích cực",
                "Ông/bà được thông báo kịp thời kết quả xử lý góp ý, phản ánh",
            ],
            SATISFACTION_5_DK,
        ),
        Element(
            "MD",
            "Mong đợi của người dân, tổ chức (năm 2024)",
            "Expectations (2024 survey)",
            [
                "Mở rộng kênh thông tin về thủ tục (mạng xã hội, ứng dụng điện thoại, tin nhắn)",
                "Giảm bớt giấy tờ trong thành phần hồ sơ",
                "Rút ngắn thời gian giải quyết thủ tục",
                "Giảm phí, lệ phí",
                "Công chức phục vụ chu đáo, thân thiện hơn",
                "Công chức thạo việc, giỏi chuyên môn hơn",
                "Làm được nhiều thủ tục trực tuyến toàn trình hơn",
                "Nộp hồ sơ và nhận kết quả qua bưu chính thuận tiện hơn",
                "Nơi làm thủ tục khang trang, tiện nghi hơn",
                "Góp ý, phản ánh được tiếp nhận và trả lời nhanh hơn",
            ],
            EXPECTATION_4,
            role=QuestionRole.OTHER,
        ),
    ],
)

MOH_INPATIENT = Template(
    code="moh-inpatient",
    title=_("Khảo sát hài lòng người bệnh nội trú (Bộ Y tế)"),
    title_en="Inpatient satisfaction survey (Ministry of Health)",
    elements=[
        Element(
            "A",
            "Khả năng tiếp cận",
            "Access",
            [
                "Biển chỉ dẫn đường tới bệnh viện và trong khuôn viên rõ ràng, dễ tìm",
                "Giờ thăm người bệnh được thông báo công khai, rõ ràng",
                "Khoa, phòng, buồng bệnh có bảng tên, số phòng dễ nhận biết",
                "Đường đi giữa các khoa, các tòa nhà thuận tiện, không bị vướng",
                "Người bệnh gọi, hỏi được nhân viên y tế khi cần",
            ],
            HEALTH_5,
        ),
        Element(
            "B",
            "Sự minh bạch thông tin và thủ tục khám bệnh, điều trị",
            "Transparency of information and procedures",
            [
                "Thủ tục nhập viện rõ ràng, công khai, thuận tiện",
                "Được phổ biến nội quy và những điều cần biết khi nằm viện",
                "Được giải thích về tình trạng bệnh, cách điều trị và thời gian dự kiến nằm viện",
                "Được giải thích, tư vấn trước khi làm xét nghiệm, chiếu chụp, thủ thuật",
                "Được công khai, cập nhật thông tin về thuốc dùng hằng ngày",
                "Được công khai, cập nhật chi phí điều trị",
                "Được hướng dẫn rõ ràng về thủ tục thanh toán bảo hiểm y tế",
            ],
            HEALTH_5,
        ),
        Element(
            "C",
            "Cơ sở vật chất và phương tiện phục vụ người bệnh",
            "Facilities",
            [
                "Buồng bệnh sạch sẽ, thoáng mát mùa hè, đủ ấm mùa đông",
                "Đủ giường nằm, mỗi người bệnh một giường",
                "Ga, gối, chăn, quần áo người bệnh sạch và được thay kịp thời",
                "Nhà vệ sinh, nhà tắm sạch sẽ, dùng tốt",
                "Có đủ nước uống nóng, lạnh",
                "Được bảo đảm an ninh, không lo mất tài sản",
                "Được giữ kín đáo, riêng tư khi khám, làm thủ thuật, vệ sinh cá nhân",
                "Căng tin phục vụ ăn uống và đồ dùng thiết yếu đầy đủ",
                "Khuôn viên bệnh viện xanh, sạch, đẹp",
                "Có chỗ ngồi, chỗ nghỉ cho người nhà chăm sóc người bệnh",
                "Trang thiết bị trong buồng bệnh đầy đủ và hoạt động tốt",
            ],
            HEALTH_5,
        ),
        Element(
            "D",
            "Thái độ ứng xử, năng lực chuyên môn của nhân viên y tế",
            "Staff attitude and competence",
            [
                "Bác sĩ, điều dưỡng nói năng, cư xử đúng mực",
                "Nhân viên phục vụ (hộ lý, bảo vệ, thu ngân…) nói năng, cư xử đúng mực",
                "Được nhân viên y tế tôn trọng, đối xử công bằng, quan tâm giúp đỡ",
                "Bác sĩ, điều dưỡng phối hợp tốt, xử lý công việc thành thạo, kịp thời",
                "Được bác sĩ thăm khám, động viên tại buồng bệnh",
                "Được tư vấn về ăn uống, vận động, theo dõi và phòng bệnh tái phát",
                "Nhân viên y tế không có biểu hiện gợi ý quà biếu, bồi dưỡng",
            ],
            HEALTH_5,
        ),
        Element(
            "E",
            "Kết quả cung cấp dịch vụ",
            "Service results",
            [
                "Thuốc được cấp phát đầy đủ, kèm hướng dẫn dùng rõ ràng",
                "Trang thiết bị, vật tư y tế đáp ứng nhu cầu điều trị",
                "Kết quả điều trị đáp ứng được nguyện vọng của ông/bà",
                "Mức độ tin tưởng của ông/bà vào chất lượng dịch vụ y tế tại đây",
                "Mức độ hài lòng của ông/bà về giá dịch vụ y tế",
                "Mức độ hài lòng chung của ông/bà với lần nằm viện này",
            ],
            HEALTH_5,
        ),
    ],
    extra_sections=[
        _health_general(
            "Đánh giá chung, bệnh viện đã đáp ứng được bao nhiêu % so với mong đợi của ông/bà trước khi nằm viện (0–100)?",
            with_cost=True,
        )
    ],
)

MOH_OUTPATIENT = Template(
    code="moh-outpatient",
    title=_("Khảo sát hài lòng người bệnh ngoại trú (Bộ Y tế)"),
    title_en="Outpatient satisfaction survey (Ministry of Health)",
    elements=[
        Element(
            "A",
            "Khả năng tiếp cận",
            "Access",
            [
                "Biển báo, chỉ dẫn đến khu khám bệnh và các phòng khám rõ ràng, dễ tìm",
                "Các phòng khám, quầy thủ tục được đánh số, ghi tên rõ ràng",
                "Lối đi giữa các khoa, phòng thuận tiện, có mái che",
                "Dễ gọi điện, đặt lịch hẹn khám hoặc hỏi thông tin qua tổng đài, ứng dụng",
                "Tìm thông tin và đặt lịch khám trên trang điện tử của bệnh viện thuận tiện",
            ],
            HEALTH_5,
        ),
        Element(
            "B",
            "Sự minh bạch thông tin và thủ tục khám bệnh, điều trị",
            "Transparency of information and procedures",
            [
                "Quy trình khám bệnh được niêm yết rõ ràng, dễ hiểu",
                "Thủ tục khám bệnh đơn giản, thuận tiện",
                "Giá dịch vụ y tế được niêm yết công khai",
                "Nhân viên tiếp đón, hướng dẫn làm thủ tục niềm nở, tận tình",
                "Được xếp hàng theo thứ tự khi đăng ký, nộp tiền, khám, xét nghiệm",
                "Thời gian chờ làm thủ tục đăng ký khám hợp lý",
                "Thời gian chờ đến lượt bác sĩ khám hợp lý",
                "Thời gian được bác sĩ khám và tư vấn đủ",
                "Thời gian chờ làm xét nghiệm, chiếu chụp hợp lý",
                "Thời gian chờ nhận kết quả xét nghiệm, chiếu chụp hợp lý",
            ],
            HEALTH_5,
        ),
        Element(
            "C",
            "Cơ sở vật chất và phương tiện phục vụ người bệnh",
            "Facilities",
            [
                "Khu vực chờ khám có đủ ghế ngồi, quạt hoặc điều hòa",
                "Khu chờ sạch sẽ, thoáng mát",
                "Có tivi, tờ rơi hoặc thông tin sức khỏe trong lúc chờ",
                "Nhà vệ sinh thuận tiện, sạch sẽ, đủ nước",
                "Khuôn viên bệnh viện xanh, sạch, an toàn",
                "Khu khám bệnh giữ được an ninh, trật tự, không có cò mồi",
                "Được giữ riêng tư khi khám, chiếu chụp, làm thủ thuật",
                "Chỗ gửi xe, nước uống và căng tin đáp ứng nhu cầu",
            ],
            HEALTH_5,
        ),
        Element(
            "D",
            "Thái độ ứng xử, năng lực chuyên môn của nhân viên y tế",
            "Staff attitude and competence",
            [
                "Nhân viên y tế nói năng, cư xử đúng mực",
                "Nhân viên y tế tôn trọng, đối xử công bằng, quan tâm giúp đỡ người bệnh",
                "Năng lực chuyên môn của bác sĩ, điều dưỡng đáp ứng mong đợi",
                "Nhân viên y tế không có biểu hiện gợi ý quà biếu, bồi dưỡng",
            ],
            HEALTH_5,
        ),
        Element(
            "E",
            "Kết quả cung cấp dịch vụ",
            "Service results",
            [
                "Kết quả khám bệnh đáp ứng được nguyện vọng của ông/bà",
                "Hóa đơn, phiếu thu, đơn thuốc và kết quả khám được cung cấp đầy đủ, rõ ràng",
                "Mức độ tin tưởng của ông/bà vào chất lượng dịch vụ y tế tại đây",
                "Mức độ hài lòng của ông/bà về giá dịch vụ y tế",
            ],
            HEALTH_5,
        ),
    ],
    extra_sections=[
        _health_general(
            "Đánh giá chung, bệnh viện đã đáp ứng được bao nhiêu % so với mong đợi của ông/bà trước khi đến khám (0–100)?",
            with_cost=False,
        )
    ],
)

MOH_STAFF = Template(
    code="moh-staff",
    title=_("Khảo sát hài lòng nhân viên y tế (Bộ Y tế)"),
    title_en="Health staff satisfaction survey (Ministry of Health)",
    elements=[
        Element(
            "A",
            "Môi trường làm việc",
            "Working environment",
            [
                "Phòng làm việc khang trang, sạch sẽ, thoáng mát",
                "Bàn ghế, trang thiết bị văn phòng đầy đủ, dùng tốt",
                "Có phòng trực cho nhân viên y tế",
                "Lịch trực và làm việc ngoài giờ được phân chia hợp lý",
                "Đồ bảo hộ (quần áo, khẩu trang, găng tay…) được cấp đủ và còn tốt",
                "Có điều kiện cập nhật kiến thức, nâng cao kỹ năng tại nơi làm việc",
                "Nơi làm việc bảo đảm an toàn cho nhân viên y tế",
                "Bệnh viện giữ được an ninh, trật tự để nhân viên yên tâm làm việc",
                "Người bệnh và người nhà tôn trọng, hợp tác với nhân viên y tế",
            ],
        ),
        Element(
            "B",
            "Lãnh đạo trực tiếp, đồng nghiệp",
            "Managers and colleagues",
            [
                "Lãnh đạo điều hành, giải quyết công việc hiệu quả",
                "Lãnh đạo giao việc phù hợp với chuyên môn được đào tạo",
                "Lãnh đạo quan tâm, tôn trọng, đối xử công bằng với nhân viên",
                "Lãnh đạo lắng nghe và tiếp thu ý kiến của nhân viên",
                "Lãnh đạo ghi nhận, động viên khi nhân viên làm tốt",
                "Đồng nghiệp vững chuyên môn",
                "Đồng nghiệp chia sẻ kinh nghiệm, giúp đỡ nhau",
                "Đồng nghiệp phối hợp tốt để hoàn thành công việc",
                "Quan hệ đồng nghiệp thân thiện, đoàn kết",
            ],
        ),
        Element(
            "C",
            "Quy chế nội bộ, tiền lương, phúc lợi",
            "Internal rules, pay and welfare",
            [
                "Quy chế làm việc nội bộ rõ ràng, sát thực tế và công khai",
                "Nơi làm việc dân chủ",
                "Quy chế chi tiêu nội bộ rõ ràng",
                "Quỹ phúc lợi được phân phối công bằng, công khai",
                "Tiền lương tương xứng với năng lực và đóng góp",
                "Phụ cấp nghề, phụ cấp độc hại tương xứng với công việc",
                "Tiền thưởng và thu nhập tăng thêm tương xứng với đóng góp",
                "Cách chia thu nhập tăng thêm công bằng, khuyến khích làm việc tốt",
                "Được đóng bảo hiểm, khám sức khỏe định kỳ và hưởng chế độ ốm đau, thai sản đầy đủ",
                "Được tham quan, nghỉ dưỡng hằng năm",
                "Phong trào văn nghệ, thể thao sôi nổi",
                "Công đoàn bệnh viện hoạt động tích cực",
            ],
        ),
        Element(
            "D",
            "Công việc, cơ hội học tập và thăng tiến",
            "Work, training and promotion",
            [
                "Công việc được giao phù hợp với năng lực",
                "Được tạo điều kiện nâng cao trình độ chuyên môn",
                "Được tạo điều kiện học lên bậc cao hơn",
                "Tiêu chuẩn các chức danh lãnh đạo được công khai",
                "Việc bổ nhiệm lãnh đạo dân chủ, công bằng",
                "Có cơ hội thăng tiến khi làm việc tốt",
                "Khối lượng công việc hằng ngày hợp lý",
            ],
        ),
        Element(
            "E",
            "Sự hài lòng chung về bệnh viện",
            "Overall satisfaction",
            [
                "Tự hào khi làm việc tại bệnh viện",
                "Đạt được thành công cá nhân khi làm việc tại đây",
                "Tin vào sự phát triển của bệnh viện trong tương lai",
                "Muốn gắn bó lâu dài với khoa, phòng đang làm",
                "Muốn gắn bó lâu dài với bệnh viện",
                "Hài lòng nói chung với lãnh đạo bệnh viện",
                "Hài lòng nói chung khi làm việc tại bệnh viện",
            ],
        ),
    ],
)

ONE_STOP = Template(
    code="one-stop",
    title=_("Khảo sát hài lòng tại bộ phận một cửa"),
    title_en="One-stop desk satisfaction survey",
    elements=[],
    extra_sections=[
        SectionSpec(
            code="HS",
            title="Tiếp nhận và trả kết quả hồ sơ",
            title_en="Receiving the file and returning the result",
            questions=[
                choice_question("HEN", "So với ngày hẹn trên giấy biên nhận, ông/bà nhận được kết quả:", RETURN_TIME, required=True),
                choice_question(
                    "XIN_LOI",
                    "Khi trễ hẹn, ông/bà có nhận được văn bản xin lỗi và hẹn lại ngày trả kết quả không?",
                    YES_NO,
                    question_type=QuestionType.YES_NO,
                    relevant="${HEN} = 3",
                ),
                QuestionSpec(
                    code="SO_LAN",
                    text="Ông/bà đã phải đi lại bao nhiêu lần để hoàn thành hồ sơ (kể cả lần nộp và lần nhận)?",
                    type=QuestionType.NUMBER,
                    required=True,
                    min_value=Decimal(1),
                    max_value=Decimal(20),
                    constraint=". >= 1 and . <= 20",
                    constraint_message="Nhập một số từ 1 đến 20.",
                ),
            ],
        ),
        _element_section(
            Element(
                "PV",
                "Chất lượng phục vụ",
                "Quality of service",
                [
                    "Thủ tục, giấy tờ, phí và thời hạn giải quyết được công khai đầy đủ, dễ tìm",
                    "Thái độ của công chức tại bộ phận một cửa",
                    "Cơ sở vật chất nơi tiếp nhận và trả kết quả (chỗ ngồi, máy lấy số, máy tra cứu)",
                    "Mức độ hài lòng chung về kết quả giải quyết hồ sơ",
                ],
                SATISFACTION_5_DK,
            )
        ),
    ],
)

TEMPLATES: dict[str, Template] = {t.code: t for t in (SIPAS, MOH_INPATIENT, MOH_OUTPATIENT, MOH_STAFF, ONE_STOP)}


def builtin_spec(name: str) -> QuestionnaireSpec:
    """The spec of a built-in template (a fresh copy each call). Raises KeyError for an unknown name."""
    template = TEMPLATES[name]
    sections = [_element_section(element) for element in template.elements]
    sections += copy.deepcopy(template.extra_sections or [])
    return QuestionnaireSpec(code=template.code, title=str(template.title), title_en=template.title_en, template=template.code, sections=sections)
