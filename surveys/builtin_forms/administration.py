"""Public administration: SIPAS as QĐ 1001/QĐ-BNV (11/12/2023) structures it for 2023–2026, its service part
alone, and the one-stop desk form.

SIPAS holds two contents: satisfaction with policy making and implementation (part CS) and with public
administrative service delivery (part DV), beside perception questions and expectations that count in
neither. The service part alone (`sipas`) is not the SIPAS index and is never titled so.
"""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from surveys.builtin_forms.scales import EXPECTATION_4, RETURN_TIME, SATISFACTION_5_DK, YES_NO, Scale
from surveys.builtin_forms.template import Element, Template, choice_question, number_question
from surveys.models import QuestionRole, QuestionType
from surveys.specs import SectionSpec

SERVICE_ELEMENTS = [
    Element(
        code="TC", title="Tiếp cận dịch vụ", title_en="Access to the service", scale=SATISFACTION_5_DK, role=QuestionRole.INDEX,
        items=[
            "Chỗ ngồi chờ tại nơi tiếp nhận hồ sơ đủ cho người đến làm thủ tục",
            "Nơi làm thủ tục có đủ trang thiết bị cần thiết (bàn viết, máy tra cứu, quạt hoặc điều hòa, nước uống…)",
            "Trang thiết bị tại nơi làm thủ tục dễ dùng và đang hoạt động tốt",
        ],
    ),
    Element(
        code="TT", title="Thủ tục hành chính", title_en="Administrative procedures", scale=SATISFACTION_5_DK, role=QuestionRole.INDEX,
        items=[
            "Thủ tục được niêm yết công khai, đầy đủ tại nơi tiếp nhận hoặc trên Cổng dịch vụ công",
            "Giấy tờ phải nộp đúng với thành phần hồ sơ đã niêm yết, không phải nộp thêm",
            "Phí, lệ phí phải nộp đúng với mức đã niêm yết",
            "Thời hạn giải quyết ghi trên giấy hẹn đúng với thời hạn đã niêm yết",
        ],
    ),
    Element(
        code="CC", title="Công chức phục vụ", title_en="Civil servants", scale=SATISFACTION_5_DK, role=QuestionRole.INDEX,
        items=[
            "Công chức có thái độ lịch sự, tôn trọng khi tiếp xúc với ông/bà",
            "Công chức hướng dẫn kê khai, bổ sung hồ sơ tận tình, dễ hiểu",
            "Công chức làm đúng quy định, không gây phiền hà, không đòi thêm giấy tờ hay chi phí ngoài quy định",
        ],
    ),
    Element(
        code="KQ", title="Kết quả giải quyết thủ tục", title_en="Results", scale=SATISFACTION_5_DK, role=QuestionRole.INDEX,
        items=[
            "Kết quả nhận được đúng với quy định",
            "Thông tin trên kết quả đầy đủ, chính xác",
            "Ông/bà nhận kết quả đúng hoặc sớm hơn ngày hẹn",
        ],
    ),
    Element(
        code="PA", title="Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", title_en="Handling of feedback and complaints",
        scale=SATISFACTION_5_DK, role=QuestionRole.INDEX,
        items=[
            "Cơ quan có hình thức tiếp nhận góp ý, phản ánh dễ dùng (hòm thư, đường dây nóng, cổng điện tử)",
            "Góp ý, phản ánh của ông/bà được tiếp nhận và xử lý tích cực",
            "Ông/bà được thông báo kịp thời kết quả xử lý góp ý, phản ánh",
        ],
    ),
]

# Wishes for the coming years: not counted anywhere (the dashboard's "expectation met" is a 0–100 mean, a
# different thing); an official may read their distribution.
EXPECTATIONS = Element(
    code="MD", title="Mong đợi của người dân, tổ chức", title_en="Expectations", scale=EXPECTATION_4, role=QuestionRole.OTHER,
    items=[
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
)

SIPAS = Template(
    code="sipas",
    title=_("Khảo sát sự hài lòng về cung ứng dịch vụ hành chính công (phần dịch vụ của SIPAS)"),
    title_en="Satisfaction with public administrative service delivery (the service part of SIPAS)",
    source=_(
        "QĐ 1001/QĐ-BNV ngày 11/12/2023 (phương pháp đo lường SIPAS 2023–2026): chỉ phần hài lòng về cung ứng dịch vụ "
        "hành chính công; không có phần chính sách nên không phải Chỉ số SIPAS"
    ),
    sections=[*SERVICE_ELEMENTS, replace(EXPECTATIONS, title="Mong đợi của người dân, tổ chức (năm 2024)", title_en="Expectations (2024 survey)")],
)

POLICY_FIELD = Scale(
    "linh_vuc_cs",
    (
        (1, "Giáo dục", "Education"),
        (2, "Y tế", "Health"),
        (3, "An sinh xã hội", "Social protection"),
        (4, "Đất đai, xây dựng", "Land and construction"),
        (5, "An ninh, trật tự", "Security and public order"),
        (6, "Lĩnh vực khác", "Another field"),
    ),
)
INFORMATION_CHANNELS = Scale(
    "kenh_thong_tin",
    (
        (1, "Cổng, trang thông tin điện tử của cơ quan nhà nước", "Government portals and websites"),
        (2, "Loa, đài, báo chí", "Loudspeakers, radio, press"),
        (3, "Họp thôn, tổ dân phố", "Village or neighbourhood meetings"),
        (4, "Mạng xã hội", "Social networks"),
        (5, "Cán bộ, công chức trực tiếp", "Officials in person"),
        (6, "Người thân, hàng xóm", "Family, neighbours"),
    ),
    type=QuestionType.MULTI,
)
FILING_WAY = Scale(
    "cach_nop_ho_so",
    (
        (1, "Trực tiếp tại bộ phận một cửa", "In person at the one-stop desk"),
        (2, "Qua bưu chính", "By post"),
        (3, "Trực tuyến trên Cổng dịch vụ công", "Online on the public services portal"),
    ),
)

PERCEPTION = SectionSpec(
    code="NT",
    title="Nhận thức của người dân, tổ chức",
    title_en="Perception",
    questions=[
        choice_question(
            "NT1", "Ông/bà có được biết về các chính sách của địa phương trước khi chúng được áp dụng không?", YES_NO,
            role=QuestionRole.OTHER, required=True,
        ),
        choice_question("NT2", "Ông/bà biết thông tin về chính sách, thủ tục qua những kênh nào?", INFORMATION_CHANNELS, role=QuestionRole.OTHER),
        choice_question(
            "NT3", "Ông/bà sẽ đánh giá chính sách thuộc lĩnh vực nào (chọn lĩnh vực ông/bà biết rõ nhất)?", POLICY_FIELD,
            role=QuestionRole.OTHER, required=True,
        ),
        choice_question("NT4", "Lần gần nhất, ông/bà đã nộp hồ sơ thủ tục hành chính bằng cách nào?", FILING_WAY, role=QuestionRole.OTHER, required=True),
        number_question(
            "NT5", "Ông/bà đã phải đi lại bao nhiêu lần để hoàn thành hồ sơ (kể cả lần nộp và lần nhận)?", low=1, high=20,
            role=QuestionRole.OTHER, required=True,
        ),
        choice_question(
            "NT6", "Khi làm thủ tục, ông/bà có gặp công chức gây phiền hà, nhũng nhiễu hoặc gợi ý chi thêm tiền ngoài quy định không?",
            YES_NO, role=QuestionRole.OTHER, required=True,
        ),
    ],
)

POLICY_ELEMENTS = [
    Element(
        code="TTCS", title="Tiếp cận thông tin về chính sách", title_en="Access to information on the policy", scale=SATISFACTION_5_DK,
        role=QuestionRole.INDEX, part="CS",
        items=[
            "Thông tin về chính sách được công bố công khai, đầy đủ, dễ tìm",
            "Nội dung chính sách được giải thích bằng lời lẽ dễ hiểu",
            "Thông tin về chính sách đến với người dân kịp thời",
        ],
    ),
    Element(
        code="TGCS", title="Tham gia ý kiến xây dựng chính sách", title_en="Say in making the policy", scale=SATISFACTION_5_DK,
        role=QuestionRole.INDEX, part="CS",
        items=[
            "Người dân được mời góp ý khi chính sách đang được xây dựng",
            "Có cách thuận tiện để gửi ý kiến về dự thảo chính sách",
            "Ý kiến của người dân được tiếp thu, hoặc được giải thích khi không tiếp thu",
        ],
    ),
    Element(
        code="NDCS", title="Nội dung chính sách", title_en="Content of the policy", scale=SATISFACTION_5_DK,
        role=QuestionRole.INDEX, part="CS",
        items=[
            "Chính sách phù hợp với nhu cầu và điều kiện của người dân ở địa phương",
            "Chính sách công bằng giữa các nhóm người dân",
            "Chính sách rõ ràng, dễ thực hiện",
        ],
    ),
    Element(
        code="THCS", title="Tổ chức thực hiện chính sách", title_en="Carrying out the policy", scale=SATISFACTION_5_DK,
        role=QuestionRole.INDEX, part="CS",
        items=[
            "Chính quyền hướng dẫn thực hiện chính sách cụ thể, đầy đủ",
            "Chính sách được thực hiện đúng đối tượng, đúng quy định",
            "Việc thực hiện chính sách được công khai để người dân theo dõi, giám sát",
        ],
    ),
    Element(
        code="KQCS", title="Kết quả thực hiện chính sách", title_en="Results of the policy", scale=SATISFACTION_5_DK,
        role=QuestionRole.INDEX, part="CS",
        items=[
            "Chính sách đạt được mục tiêu đã đề ra",
            "Chính sách mang lại lợi ích thiết thực cho gia đình ông/bà",
            "Chính sách góp phần cải thiện đời sống ở địa phương",
        ],
    ),
]

# Weights: QĐ 1001/QĐ-BNV sets them in its annex, which the team has not read; 60/40 is what the published
# 2024 national figures imply (83.84 × 0.6 + 84.09 × 0.4 = 83.94; the plain mean would give 83.97).
PARTS_SOURCE = (
    "QĐ 1001/QĐ-BNV, phụ lục (cần xác nhận theo phụ lục); 60/40 suy ra từ số liệu công bố năm 2024: "
    "83,84% × 0,6 + 84,09% × 0,4 = 83,94%"
)
SIPAS_PARTS = (
    {
        "code": "CS", "title": "Hài lòng về xây dựng và tổ chức thực hiện chính sách",
        "title_en": "Satisfaction with policy making and implementation", "weight": 60, "rule": "mean",
        "source": PARTS_SOURCE, "confirmed": False,
    },
    {
        "code": "DV", "title": "Hài lòng về cung ứng dịch vụ hành chính công",
        "title_en": "Satisfaction with public administrative service delivery", "weight": 40, "rule": "mean",
        "source": PARTS_SOURCE, "confirmed": False,
    },
)

SIPAS_2023 = Template(
    code="sipas-2023",
    title=_("Khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước (SIPAS 2023–2026)"),
    title_en="Satisfaction Index of Public Administrative Services (SIPAS, 2023–2026 method)",
    source=_(
        "QĐ 1001/QĐ-BNV ngày 11/12/2023 (phương pháp đo lường SIPAS 2023–2026): nhận thức, hài lòng về chính sách, "
        "hài lòng về cung ứng dịch vụ hành chính công, mong đợi; trọng số hai phần cần xác nhận theo phụ lục"
    ),
    sections=[PERCEPTION, *POLICY_ELEMENTS, *(replace(element, part="DV") for element in SERVICE_ELEMENTS), EXPECTATIONS],
    parts=SIPAS_PARTS,
)

ONE_STOP = Template(
    code="one-stop",
    title=_("Khảo sát hài lòng tại bộ phận một cửa"),
    title_en="One-stop desk satisfaction survey",
    source=_("Mẫu của dự án cho bộ phận một cửa; các khía cạnh theo phần dịch vụ của SIPAS (QĐ 1001/QĐ-BNV), không phải phiếu do văn bản ban hành"),
    sections=[
        SectionSpec(
            code="HS",
            title="Tiếp nhận và trả kết quả hồ sơ",
            title_en="Receiving the file and returning the result",
            questions=[
                choice_question("HEN", "So với ngày hẹn trên giấy biên nhận, ông/bà nhận được kết quả:", RETURN_TIME, role=QuestionRole.OTHER, required=True),
                choice_question(
                    "XIN_LOI", "Khi trễ hẹn, ông/bà có nhận được văn bản xin lỗi và hẹn lại ngày trả kết quả không?", YES_NO,
                    role=QuestionRole.OTHER, relevant="${HEN} = 3",
                ),
                number_question(
                    "SO_LAN", "Ông/bà đã phải đi lại bao nhiêu lần để hoàn thành hồ sơ (kể cả lần nộp và lần nhận)?", low=1, high=20,
                    role=QuestionRole.OTHER, required=True,
                ),
            ],
        ),
        Element(
            code="PV", title="Chất lượng phục vụ", title_en="Quality of service", scale=SATISFACTION_5_DK, role=QuestionRole.INDEX,
            items=[
                "Thủ tục, giấy tờ, phí và thời hạn giải quyết được công khai đầy đủ, dễ tìm",
                "Thái độ của công chức tại bộ phận một cửa",
                "Cơ sở vật chất nơi tiếp nhận và trả kết quả (chỗ ngồi, máy lấy số, máy tra cứu)",
                "Mức độ hài lòng chung về kết quả giải quyết hồ sơ",
            ],
        ),
    ],
)

ADMINISTRATION_TEMPLATES = (SIPAS, SIPAS_2023, ONE_STOP)
