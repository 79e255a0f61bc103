"""The Ministry of Health's five forms (QĐ 3869/QĐ-BYT, 2019; measured by the method of QĐ 56/QĐ-BYT, 2024–2030).

Sections and item counts of forms 1–3 are those the project shipped before; forms 4 and 5 are new. The
wording is ours. docs/methodology.md §7 says what the team could and could not check against the texts.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from surveys.builtin_forms.scales import COST_VS_QUALITY, HEALTH_5, PRACTICE_DONE, SATISFACTION_5, YES_NO, Scale
from surveys.builtin_forms.template import Element, Template, choice_question, if_used, number_question
from surveys.models import QuestionRole, QuestionType
from surveys.specs import QuestionSpec, SectionSpec

OTHER = 6  # "Khác (ghi rõ)" on every return list: left out of the return rate, its text asked next

# The return / recommend question of each patient form, each its own list (the forms word and code it
# differently): the reasons not to come back differ, the two upper levels and "Khác" are common.
RETURN_LEVELS = (
    (4, "Có thể sẽ quay lại", "May come back"),
    (5, "Chắc chắn quay lại hoặc giới thiệu cho người khác", "Will certainly come back or recommend it"),
    (OTHER, "Khác (ghi rõ)", "Other (specify)"),
)


def return_scale(name: str, lower: tuple[tuple[int, str, str], ...], *, satisfied: tuple[int, ...]) -> Scale:
    return Scale(name, (*lower, *RETURN_LEVELS), satisfied=satisfied, missing=(OTHER,))


RETURN_INPATIENT = return_scale(
    "quay_lai_noi_tru",
    (
        (1, "Chắc chắn không quay lại", "Will certainly not come back"),
        (2, "Không muốn quay lại nhưng có ít lựa chọn khác", "Would rather not, but there is little choice"),
        (3, "Muốn chuyển sang cơ sở y tế khác", "Would move to another facility"),
    ),
    satisfied=(4, 5),
)
RETURN_OUTPATIENT = return_scale(
    "quay_lai_ngoai_tru",
    (
        (1, "Chắc chắn không quay lại khám", "Will certainly not come back"),
        (2, "Có thể sẽ không quay lại", "Probably will not come back"),
        (3, "Chưa chắc chắn", "Not sure"),
    ),
    satisfied=(4, 5),
)
RETURN_MATERNITY = return_scale(
    "quay_lai_sinh_con",
    (
        (1, "Chắc chắn không quay lại", "Will certainly not come back"),
        (2, "Không muốn quay lại nhưng có ít lựa chọn khác", "Would rather not, but there is little choice"),
        (3, "Muốn sinh con ở cơ sở y tế khác", "Would give birth elsewhere"),
    ),
    satisfied=(4, 5),
)
BIRTH_WAY = Scale("cach_sinh", ((1, "Sinh thường", "Vaginal birth"), (2, "Mổ lấy thai", "Caesarean section")))


def general_section(*, expectation_text: str, return_text: str, return_scale: Scale, with_cost: bool = False) -> SectionSpec:
    """Section G of the patient forms, outside the satisfaction rates: the expectation met (G1, a percentage
    that may pass 100 when the stay did better than hoped) and the return / recommend question (G2)."""
    questions: list[QuestionSpec] = []
    if with_cost:
        questions.append(choice_question("CP", "So với chất lượng dịch vụ nhận được, chi phí lần điều trị này là:", COST_VS_QUALITY, role=QuestionRole.OTHER))
    questions += [
        number_question(
            "G1", expectation_text, low=0, high=200, role=QuestionRole.EXPECTATION, required=True,
            hint="Ghi một số từ 0 đến 200: 100 là đúng như mong đợi, trên 100 là vượt mong đợi.",
            message="Nhập một số từ 0 đến 200 (% so với mong đợi; trên 100 là vượt mong đợi).",
        ),
        choice_question("G2", return_text, return_scale, role=QuestionRole.RETURN, required=True),
        QuestionSpec(code="G2_khac", text="Ghi rõ ý kiến khác:", type=QuestionType.TEXT, relevant=f"${{G2}} = {OTHER}", role=QuestionRole.OTHER),
    ]
    return SectionSpec(code="G", title="Đánh giá chung", title_en="Overall assessment", questions=questions)


MOH_INPATIENT = Template(
    code="moh-inpatient",
    title=_("Khảo sát hài lòng người bệnh nội trú (Bộ Y tế, Mẫu số 1)"),
    title_en="Inpatient satisfaction survey (Ministry of Health, form 1)",
    source=_(
        "QĐ 3869/QĐ-BYT ngày 28/8/2019, Mẫu số 1 (phiếu khảo sát ý kiến người bệnh nội trú); "
        "đo lường theo QĐ 56/QĐ-BYT ngày 08/01/2024 (giai đoạn 2024–2030)"
    ),
    sections=[
        Element(
            code="A", title="Khả năng tiếp cận", title_en="Access", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Biển chỉ dẫn đường tới bệnh viện và trong khuôn viên rõ ràng, dễ tìm",
                "Giờ thăm người bệnh được thông báo công khai, rõ ràng",
                "Khoa, phòng, buồng bệnh có bảng tên, số phòng dễ nhận biết",
                "Đường đi giữa các khoa, các tòa nhà thuận tiện, không bị vướng",
                "Người bệnh gọi, hỏi được nhân viên y tế khi cần",
            ],
        ),
        Element(
            code="B", title="Sự minh bạch thông tin và thủ tục khám bệnh, điều trị", title_en="Transparency of information and procedures",
            scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Thủ tục nhập viện rõ ràng, công khai, thuận tiện",
                "Được phổ biến nội quy và những điều cần biết khi nằm viện",
                "Được giải thích về tình trạng bệnh, cách điều trị và thời gian dự kiến nằm viện",
                if_used("Được giải thích, tư vấn trước khi làm xét nghiệm, chiếu chụp, thủ thuật"),
                "Được công khai, cập nhật thông tin về thuốc dùng hằng ngày",
                "Được công khai, cập nhật chi phí điều trị",
                if_used("Được hướng dẫn rõ ràng về thủ tục thanh toán bảo hiểm y tế"),
            ],
        ),
        Element(
            code="C", title="Cơ sở vật chất và phương tiện phục vụ người bệnh", title_en="Facilities", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Buồng bệnh sạch sẽ, thoáng mát mùa hè, đủ ấm mùa đông",
                "Đủ giường nằm, mỗi người bệnh một giường",
                "Ga, gối, chăn, quần áo người bệnh sạch và được thay kịp thời",
                "Nhà vệ sinh, nhà tắm sạch sẽ, dùng tốt",
                "Có đủ nước uống nóng, lạnh",
                "Được bảo đảm an ninh, không lo mất tài sản",
                "Được giữ kín đáo, riêng tư khi khám, làm thủ thuật, vệ sinh cá nhân",
                if_used("Căng tin phục vụ ăn uống và đồ dùng thiết yếu đầy đủ"),
                "Khuôn viên bệnh viện xanh, sạch, đẹp",
                if_used("Có chỗ ngồi, chỗ nghỉ cho người nhà chăm sóc người bệnh"),
                "Trang thiết bị trong buồng bệnh đầy đủ và hoạt động tốt",
            ],
        ),
        Element(
            code="D", title="Thái độ ứng xử, năng lực chuyên môn của nhân viên y tế", title_en="Staff attitude and competence",
            scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Bác sĩ, điều dưỡng nói năng, cư xử đúng mực",
                "Nhân viên phục vụ (hộ lý, bảo vệ, thu ngân…) nói năng, cư xử đúng mực",
                "Được nhân viên y tế tôn trọng, đối xử công bằng, quan tâm giúp đỡ",
                "Bác sĩ, điều dưỡng phối hợp tốt, xử lý công việc thành thạo, kịp thời",
                "Được bác sĩ thăm khám, động viên tại buồng bệnh",
                "Được tư vấn về ăn uống, vận động, theo dõi và phòng bệnh tái phát",
                "Nhân viên y tế không có biểu hiện gợi ý quà biếu, bồi dưỡng",
            ],
        ),
        Element(
            code="E", title="Kết quả cung cấp dịch vụ", title_en="Service results", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Thuốc được cấp phát đầy đủ, kèm hướng dẫn dùng rõ ràng",
                "Trang thiết bị, vật tư y tế đáp ứng nhu cầu điều trị",
                "Kết quả điều trị đáp ứng được nguyện vọng của ông/bà",
                "Mức độ tin tưởng của ông/bà vào chất lượng dịch vụ y tế tại đây",
                "Mức độ hài lòng của ông/bà về giá dịch vụ y tế",
                "Mức độ hài lòng chung của ông/bà với lần nằm viện này",
            ],
        ),
        general_section(
            expectation_text="Đánh giá chung, bệnh viện đã đáp ứng được bao nhiêu % so với mong đợi của ông/bà trước khi nằm viện?",
            return_text="Nếu cần khám, chữa bệnh tương tự, ông/bà có quay lại hoặc giới thiệu người khác đến đây không?",
            return_scale=RETURN_INPATIENT,
            with_cost=True,
        ),
    ],
)

MOH_OUTPATIENT = Template(
    code="moh-outpatient",
    title=_("Khảo sát hài lòng người bệnh ngoại trú (Bộ Y tế, Mẫu số 2)"),
    title_en="Outpatient satisfaction survey (Ministry of Health, form 2)",
    source=_(
        "QĐ 3869/QĐ-BYT ngày 28/8/2019, Mẫu số 2 (phiếu khảo sát ý kiến người bệnh ngoại trú); "
        "đo lường theo QĐ 56/QĐ-BYT ngày 08/01/2024 (giai đoạn 2024–2030)"
    ),
    sections=[
        Element(
            code="A", title="Khả năng tiếp cận", title_en="Access", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Biển báo, chỉ dẫn đến khu khám bệnh và các phòng khám rõ ràng, dễ tìm",
                "Các phòng khám, quầy thủ tục được đánh số, ghi tên rõ ràng",
                "Lối đi giữa các khoa, phòng thuận tiện, có mái che",
                if_used("Dễ gọi điện, đặt lịch hẹn khám hoặc hỏi thông tin qua tổng đài, ứng dụng"),
                if_used("Tìm thông tin và đặt lịch khám trên trang điện tử của bệnh viện thuận tiện"),
            ],
        ),
        Element(
            code="B", title="Sự minh bạch thông tin và thủ tục khám bệnh, điều trị", title_en="Transparency of information and procedures",
            scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Quy trình khám bệnh được niêm yết rõ ràng, dễ hiểu",
                "Thủ tục khám bệnh đơn giản, thuận tiện",
                "Giá dịch vụ y tế được niêm yết công khai",
                "Nhân viên tiếp đón, hướng dẫn làm thủ tục niềm nở, tận tình",
                "Được xếp hàng theo thứ tự khi đăng ký, nộp tiền, khám, xét nghiệm",
                "Thời gian chờ làm thủ tục đăng ký khám hợp lý",
                "Thời gian chờ đến lượt bác sĩ khám hợp lý",
                "Thời gian được bác sĩ khám và tư vấn đủ",
                if_used("Thời gian chờ làm xét nghiệm, chiếu chụp hợp lý"),
                if_used("Thời gian chờ nhận kết quả xét nghiệm, chiếu chụp hợp lý"),
            ],
        ),
        Element(
            code="C", title="Cơ sở vật chất và phương tiện phục vụ người bệnh", title_en="Facilities", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Khu vực chờ khám có đủ ghế ngồi, quạt hoặc điều hòa",
                "Khu chờ sạch sẽ, thoáng mát",
                "Có tivi, tờ rơi hoặc thông tin sức khỏe trong lúc chờ",
                "Nhà vệ sinh thuận tiện, sạch sẽ, đủ nước",
                "Khuôn viên bệnh viện xanh, sạch, an toàn",
                "Khu khám bệnh giữ được an ninh, trật tự, không có cò mồi",
                "Được giữ riêng tư khi khám, chiếu chụp, làm thủ thuật",
                if_used("Chỗ gửi xe, nước uống và căng tin đáp ứng nhu cầu"),
            ],
        ),
        Element(
            code="D", title="Thái độ ứng xử, năng lực chuyên môn của nhân viên y tế", title_en="Staff attitude and competence",
            scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Nhân viên y tế nói năng, cư xử đúng mực",
                "Nhân viên y tế tôn trọng, đối xử công bằng, quan tâm giúp đỡ người bệnh",
                "Năng lực chuyên môn của bác sĩ, điều dưỡng đáp ứng mong đợi",
                "Nhân viên y tế không có biểu hiện gợi ý quà biếu, bồi dưỡng",
            ],
        ),
        Element(
            code="E", title="Kết quả cung cấp dịch vụ", title_en="Service results", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Kết quả khám bệnh đáp ứng được nguyện vọng của ông/bà",
                "Hóa đơn, phiếu thu, đơn thuốc và kết quả khám được cung cấp đầy đủ, rõ ràng",
                "Mức độ tin tưởng của ông/bà vào chất lượng dịch vụ y tế tại đây",
                "Mức độ hài lòng của ông/bà về giá dịch vụ y tế",
            ],
        ),
        general_section(
            expectation_text="Đánh giá chung, bệnh viện đã đáp ứng được bao nhiêu % so với mong đợi của ông/bà trước khi đến khám?",
            return_text="Nếu có nhu cầu khám bệnh, ông/bà có quay lại hoặc giới thiệu người khác đến khám ở đây không?",
            return_scale=RETURN_OUTPATIENT,
        ),
    ],
)

MOH_STAFF = Template(
    code="moh-staff",
    title=_("Khảo sát hài lòng nhân viên y tế (Bộ Y tế, Mẫu số 3)"),
    title_en="Health staff satisfaction survey (Ministry of Health, form 3)",
    source=_("QĐ 3869/QĐ-BYT ngày 28/8/2019, Mẫu số 3 (phiếu khảo sát ý kiến nhân viên y tế)"),
    sections=[
        Element(
            code="A", title="Môi trường làm việc", title_en="Working environment", scale=SATISFACTION_5, role=QuestionRole.INDEX,
            items=[
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
            code="B", title="Lãnh đạo trực tiếp, đồng nghiệp", title_en="Managers and colleagues", scale=SATISFACTION_5, role=QuestionRole.INDEX,
            items=[
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
            code="C", title="Quy chế nội bộ, tiền lương, phúc lợi", title_en="Internal rules, pay and welfare", scale=SATISFACTION_5,
            role=QuestionRole.INDEX,
            items=[
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
            code="D", title="Công việc, cơ hội học tập và thăng tiến", title_en="Work, training and promotion", scale=SATISFACTION_5,
            role=QuestionRole.INDEX,
            items=[
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
            code="E", title="Sự hài lòng chung về bệnh viện", title_en="Overall satisfaction", scale=SATISFACTION_5, role=QuestionRole.INDEX,
            items=[
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

MOH_MATERNITY = Template(
    code="moh-maternity",
    title=_("Khảo sát ý kiến người mẹ sinh con tại bệnh viện (Bộ Y tế, Mẫu số 4)"),
    title_en="Survey of mothers who gave birth in hospital (Ministry of Health, form 4)",
    source=_("QĐ 3869/QĐ-BYT ngày 28/8/2019, Mẫu số 4 (phiếu khảo sát ý kiến người mẹ sinh con tại bệnh viện)"),
    sections=[
        Element(
            code="A", title="Khả năng tiếp cận", title_en="Access", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Biển chỉ dẫn đến khoa sản, phòng sinh rõ ràng, dễ tìm",
                "Được tiếp nhận ngay khi đến bệnh viện lúc chuyển dạ",
                "Gọi được nữ hộ sinh, bác sĩ khi cần, kể cả ban đêm",
                "Quy định về người nhà vào thăm, hỗ trợ mẹ được thông báo rõ ràng",
            ],
        ),
        Element(
            code="B", title="Sự minh bạch thông tin và thủ tục", title_en="Transparency of information and procedures",
            scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Thủ tục nhập viện sinh con nhanh gọn, rõ ràng",
                "Được giải thích về tình trạng của mẹ, của thai và cách sinh dự kiến",
                if_used("Được hỏi ý kiến và giải thích trước khi làm thủ thuật hoặc mổ lấy thai"),
                "Được công khai chi phí và hướng dẫn thanh toán, kể cả phần bảo hiểm y tế chi trả",
                "Được hướng dẫn làm giấy chứng sinh cho con",
            ],
        ),
        Element(
            code="C", title="Cơ sở vật chất và phương tiện phục vụ", title_en="Facilities", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Phòng chờ sinh, phòng sinh sạch sẽ, kín đáo",
                "Sau sinh, mẹ và bé có đủ giường nằm",
                "Nhà vệ sinh, nhà tắm sạch sẽ, có nước nóng",
                "Được giữ riêng tư khi khám, chuyển dạ và sinh",
                if_used("Có chỗ nghỉ cho người nhà chăm sóc mẹ và bé"),
                if_used("Căng tin, nơi bán đồ dùng cho mẹ và bé đáp ứng nhu cầu"),
            ],
        ),
        Element(
            code="D", title="Thái độ ứng xử, năng lực chuyên môn của nhân viên y tế", title_en="Staff attitude and competence",
            scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Nữ hộ sinh, điều dưỡng nói năng, cư xử nhẹ nhàng, tôn trọng",
                "Bác sĩ, nữ hộ sinh theo dõi sát trong lúc chuyển dạ",
                "Được động viên, hỗ trợ giảm đau trong lúc chuyển dạ",
                "Được hướng dẫn tự chăm sóc sau sinh",
                "Được hướng dẫn chăm sóc trẻ sơ sinh (giữ ấm, tắm, chăm rốn)",
                "Nhân viên y tế không có biểu hiện gợi ý quà biếu, bồi dưỡng",
            ],
        ),
        Element(
            code="E", title="Kết quả cung cấp dịch vụ", title_en="Service results", scale=HEALTH_5, role=QuestionRole.INDEX,
            items=[
                "Sức khỏe của mẹ sau sinh được chăm sóc tốt",
                "Bé được khám, chăm sóc và tiêm chủng đầy đủ trước khi ra viện",
                "Mức độ tin tưởng của chị vào dịch vụ sinh con tại đây",
                "Mức độ hài lòng chung của chị với lần sinh con này",
            ],
        ),
        general_section(
            expectation_text="Đánh giá chung, bệnh viện đã đáp ứng được bao nhiêu % so với mong đợi của chị trước khi đến sinh?",
            return_text="Nếu sinh con lần sau, chị có quay lại hoặc giới thiệu người khác đến sinh ở đây không?",
            return_scale=RETURN_MATERNITY,
        ),
    ],
)

# Form 5 asks whether each recommended practice was done: the "index" of this form is the share of
# practices done ("Có"), a practice rate, not a satisfaction rate; the birth details describe the mother.
MOH_BREASTFEEDING = Template(
    code="moh-breastfeeding",
    title=_("Khảo sát thực hành nuôi con bằng sữa mẹ tại bệnh viện (Bộ Y tế, Mẫu số 5)"),
    title_en="Breastfeeding practice in hospital (Ministry of Health, form 5)",
    source=_("QĐ 3869/QĐ-BYT ngày 28/8/2019, Mẫu số 5 (phiếu khảo sát thực hiện nuôi con bằng sữa mẹ)"),
    sections=[
        SectionSpec(
            code="TT",
            title="Thông tin về lần sinh",
            title_en="About the birth",
            questions=[
                choice_question("TT1", "Chị sinh con theo cách nào?", BIRTH_WAY, role=QuestionRole.PROFILE, required=True),
                choice_question(
                    "TT2", "Sau sinh, bé có phải nằm chăm sóc riêng (hồi sức, dưỡng nhi) không?", YES_NO, role=QuestionRole.PROFILE, required=True
                ),
            ],
        ),
        Element(
            code="TK", title="Tư vấn khi mang thai", title_en="Advice during pregnancy", scale=PRACTICE_DONE, role=QuestionRole.INDEX,
            items=[
                "Khi khám thai, chị được tư vấn về lợi ích của nuôi con bằng sữa mẹ",
                "Chị được hướng dẫn tư thế cho bú và cách cho bé ngậm bắt vú đúng",
                "Chị được tư vấn không dùng sữa công thức, bình bú, núm vú giả khi không có chỉ định",
            ],
        ),
        Element(
            code="SS", title="Ngay sau khi sinh", title_en="Right after birth", scale=PRACTICE_DONE, role=QuestionRole.INDEX,
            items=[
                "Bé được đặt nằm da kề da trên ngực mẹ ngay sau khi sinh",
                "Bé được nằm da kề da với mẹ liên tục ít nhất 90 phút hoặc đến hết bữa bú đầu tiên",
                "Bé được bú mẹ trong giờ đầu sau sinh",
                "Trước bữa bú đầu tiên, bé chỉ được bú mẹ, không được cho ăn, uống thứ gì khác",
            ],
        ),
        Element(
            code="NV", title="Trong thời gian nằm viện", title_en="During the hospital stay", scale=PRACTICE_DONE, role=QuestionRole.INDEX,
            items=[
                "Mẹ và bé được nằm cùng nhau suốt thời gian nằm viện",
                "Bé chỉ được bú sữa mẹ trong suốt thời gian nằm viện",
                "Chị được nhân viên y tế giúp đỡ khi gặp khó khăn lúc cho con bú",
                "Chị được hướng dẫn cách vắt sữa và giữ nguồn sữa",
                "Trong bệnh viện, chị không gặp quảng cáo hay được phát mẫu sữa công thức, bình bú",
            ],
        ),
        Element(
            code="RV", title="Khi ra viện", title_en="On leaving hospital", scale=PRACTICE_DONE, role=QuestionRole.INDEX,
            items=[
                "Chị được hướng dẫn cho con bú mẹ hoàn toàn trong 6 tháng đầu",
                "Chị được cho biết nơi tìm hỗ trợ về nuôi con bằng sữa mẹ sau khi ra viện",
            ],
        ),
    ],
)

HEALTH_TEMPLATES = (MOH_INPATIENT, MOH_OUTPATIENT, MOH_STAFF, MOH_MATERNITY, MOH_BREASTFEEDING)
