"""The standard questionnaire SAT-STD (seed 004 Art. 25): supply, price, service quality, needs,
and a rating of each staff role serving the client; 1-5 scale with an optional comment.

Idempotent and keyed by code: an admin's later edits are never overwritten.
"""
import sqlalchemy as sa

from backoffice.extensions import db
from backoffice.models import Questionnaire, SurveyQuestion

STANDARD_CODE = "SAT-STD"

# (code, dimension, staff_position, zh, zh_Hant, en)
STANDARD_QUESTIONS = [
    ("SUPPLY", "supply", None,
     "您对卷烟供应（货源、品规、到货及时）的满意程度？",
     "您對卷煙供應（貨源、品規、到貨及時）的滿意程度？",
     "How satisfied are you with the cigarette supply (availability, brands, timely delivery)?"),
    ("PRICE", "price", None,
     "您对卷烟价格及价格执行的满意程度？",
     "您對卷煙價格及價格執行的滿意程度？",
     "How satisfied are you with cigarette prices and how they are applied?"),
    ("SERVICE", "service", None,
     "您对我们服务质量的总体满意程度？",
     "您對我們服務質量的總體滿意程度？",
     "Overall, how satisfied are you with the quality of our service?"),
    ("NEEDS", "needs", None,
     "我们满足您经营需求的程度？",
     "我們滿足您經營需求的程度？",
     "How well do we meet your business needs?"),
    ("STAFF_CM", "staff", "client_manager",
     "您对客户经理的满意程度？",
     "您對客戶經理的滿意程度？",
     "How satisfied are you with your client manager?"),
    ("STAFF_MM", "staff", "market_manager",
     "您对市场经理的满意程度？",
     "您對市場經理的滿意程度？",
     "How satisfied are you with your market manager?"),
    ("STAFF_PO", "staff", "phone_order",
     "您对电话订货员的满意程度？",
     "您對電話訂貨員的滿意程度？",
     "How satisfied are you with the phone order clerk?"),
    ("STAFF_DL", "staff", "delivery",
     "您对送货员的满意程度？",
     "您對送貨員的滿意程度？",
     "How satisfied are you with the delivery staff?"),
]


def seed_questionnaire(session=None) -> Questionnaire:
    """Create SAT-STD with its questions if it does not exist yet; return it."""
    session = session or db.session
    qn = session.execute(sa.select(Questionnaire).where(Questionnaire.code == STANDARD_CODE)).scalar()
    if qn is not None:
        return qn
    qn = Questionnaire(code=STANDARD_CODE, name="客户满意度调查（标准）", active=True)
    for pos, (code, dim, staff_pos, zh, zh_hant, en) in enumerate(STANDARD_QUESTIONS, 1):
        qn.questions.append(SurveyQuestion(
            code=code, position=pos * 10, dimension=dim, staff_position=staff_pos,
            text_zh=zh, text_zh_hant=zh_hant, text_en=en,
            min_score=1, max_score=5, comment_allowed=True,
        ))
    session.add(qn)
    return qn
