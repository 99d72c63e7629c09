"""Job runs read as sentences (issue #11): "参数 campaign=1" -> "调查活动：<name>", scheme codes as
names, 计算方式 values and follow-up runs as words, raw numbers grouped."""
import sqlalchemy as sa
from flask_babel import force_locale

from backoffice import models as m
from backoffice.extensions import db
from backoffice.views.job_display import params_text, summary_rows


def test_parameters_and_summary_in_words(app, world):
    with app.test_request_context(), force_locale("zh"):
        campaign = db.session.scalars(sa.select(m.SurveyCampaign)).first()
        if campaign is not None:
            assert params_text({"campaign": campaign.id}) == f"调查活动：{campaign}"
        assert params_text({"campaign": 999999}) == "调查活动：#999999（已删除）"
        assert params_text({"scheme": "KEY", "period": "2026", "batch_size": 500}) == "分级方案：大客户；期间：2026年"
        rows = dict(summary_rows({"scheme": "KEY", "method": "python", "service_level_run": 2, "clients": 12345}))
        assert rows["计算方式"] == "在应用程序中计算（Python）"
        assert rows["分级方案"] == "大客户"
        assert rows["已启动服务级别重算"] == "运行 #2"
        assert "12,345" in rows.values()
        texts = " ".join(v for v in rows.values())
        assert "KEY" not in texts and "python" not in texts and "service_level_run" not in " ".join(rows)
