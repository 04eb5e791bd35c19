"""The workflow layer: one function per user workflow, called by the CLI and the app.

The CLI parses arguments and prints; a page shows widgets and results. Both build the
same typed requests and call the same functions here, so a request gives the same
result from either. Errors a user can fix are in :data:`USER_ERRORS`.
"""

from equity.workflows.diagnosis import (
    DiagnoseRequest,
    check_request,
    default_need_weights,
    need_weights_with,
    offer_catchments,
    run_diagnosis,
)
from equity.workflows.errors import (
    USER_ERRORS,
    InvalidRequest,
    ScenarioNotFound,
    WorkflowError,
)
from equity.workflows.evaluation import EvaluatedScenario, compare_scenarios, evaluate_scenario
from equity.workflows.exports import ExportRequest, bundle, export_scenario
from equity.workflows.keys import scenario_key, stable_key
from equity.workflows.mobile_sessions import (
    MobileRequest,
    mobile_calendar_pdf,
    mobile_calendar_sections,
    plan_mobile,
)
from equity.workflows.recommendation import (
    DEFAULT_SCENARIO_NAME,
    Recommendation,
    RecommendRequest,
    check_robustness,
    recommendation_parameters,
    run_recommendation,
    run_threshold_sensitivity,
    save_recommendation,
)
from equity.workflows.scenario_edit import (
    ScenarioEdit,
    added_rows,
    edit_scenario,
    host_sites,
    offer_sites,
)
from equity.workflows.scenario_store import (
    CURRENT_SITUATION,
    import_scenario,
    import_scenario_bytes,
    load_scenario,
    open_store,
    save_scenario,
    scenario_or_current,
)
from equity.workflows.territory import (
    TerritoryRequest,
    ValueStatus,
    open_territory,
    value_status,
)
from equity.workflows.uploads import (
    AppliedFiles,
    StoredUpload,
    Upload,
    apply_uploads,
    display_name,
    store_upload,
)

__all__ = [
    "CURRENT_SITUATION",
    "DEFAULT_SCENARIO_NAME",
    "USER_ERRORS",
    "AppliedFiles",
    "DiagnoseRequest",
    "EvaluatedScenario",
    "ExportRequest",
    "InvalidRequest",
    "MobileRequest",
    "RecommendRequest",
    "Recommendation",
    "ScenarioEdit",
    "ScenarioNotFound",
    "StoredUpload",
    "TerritoryRequest",
    "Upload",
    "ValueStatus",
    "WorkflowError",
    "added_rows",
    "apply_uploads",
    "bundle",
    "check_request",
    "check_robustness",
    "compare_scenarios",
    "default_need_weights",
    "display_name",
    "edit_scenario",
    "evaluate_scenario",
    "export_scenario",
    "host_sites",
    "import_scenario",
    "import_scenario_bytes",
    "load_scenario",
    "mobile_calendar_pdf",
    "mobile_calendar_sections",
    "need_weights_with",
    "offer_catchments",
    "offer_sites",
    "open_store",
    "open_territory",
    "plan_mobile",
    "recommendation_parameters",
    "run_diagnosis",
    "run_recommendation",
    "run_threshold_sensitivity",
    "save_recommendation",
    "save_scenario",
    "scenario_key",
    "scenario_or_current",
    "stable_key",
    "store_upload",
    "value_status",
]
