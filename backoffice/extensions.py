"""The few process-wide singletons. The AppBuilder is made per app in ``create_app`` (FAB-RQ-NOTES fact 4)."""
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate

db = get_sqla_class()()
migrate = Migrate(render_as_batch=True, compare_type=True)
