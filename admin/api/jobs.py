"""The API's recalculation: ask for a run (it is computed as a job, core/runs/jobs.py) and follow the job."""

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.sentences import say, sentence_of
from kaohe.core.domain.vocab import ZERO
from kaohe.core.runs import jobs
from kaohe.core.scoring.engine import scheme_period
from kaohe.core.storage.models import RecalcJob, ScoreRun, UnitResult
from kaohe.core.storage.schemes import get_scheme

from ..views.results import submit_recalculation
from .base import INVALID, PREFIX, STAFF, ApiError, bp, current_user, error_reply, load_body, operation, reply
from .schemas import JobSchema, RecalcResultSchema, RecalcSchema


def _job_record(job, joined=None):
    record = {"job": job.id, "scheme": job.scheme.name, "period": job.period, "state": job.state,
              "stage": job.stage, "step": job.step, "steps": job.steps,
              "progress": jobs.progress_text(job), "run": job.run_id, "message": job.message,
              "requested_by": job.requested_by, "requested_at": job.requested_at,
              "started_at": job.started_at, "finished_at": job.finished_at}
    if joined is not None:
        record["joined"] = joined
    return record


def _run_record(job):
    run = ScoreRun.get_by_id(job.run_id)
    totals = list(UnitResult.select(UnitResult.points, UnitResult.yuan)
                  .where(UnitResult.run == run))
    return {"run": run.id, "scheme": job.scheme.name,
            "period": run.period, "period_title": parse_period(run.period).title,
            "units": len(totals), "lines": run.line_count,
            "points": sum((t.points for t in totals), ZERO),
            "yuan": sum((t.yuan for t in totals), ZERO),
            "official": False, "fingerprint": run.fingerprint}


@bp.route("/schemes/<name>/recalc", methods=["POST"])
@operation(summary="重新计算", tag="计分", roles=STAFF, body=RecalcSchema, body_required=False,
           response=RecalcResultSchema, accepted=JobSchema, errors=(400, 401, 403, 429),
           description="计算并保存一次结果（未发布）；失败时不保存任何结果。请求体可省略，默认计算方案全年。"
                       "计算在服务器后台作为任务进行：同一方案同时只算一次，同一期间正在计算时本请求加入"
                       "那次计算（joined 为 true）。在等待时限内算完时返回结果（200，响应头 Kaohe-Job 为任务编号、"
                       "Kaohe-Joined 说明是否加入了正在进行的计算）；否则返回任务（202，"
                       f"Location 为 {PREFIX}/jobs/{{job}}），之后查询任务即可。每个账号在一段时间内的计算次数"
                       "有上限，超过时返回 429 和 Retry-After。")
def recalc(name):
    scheme = get_scheme(name)
    body = load_body(RecalcSchema, empty_allowed=True)
    try:
        period = scheme_period(scheme, body.get("period") or scheme.year)
    except KaoheError as error:
        raise ApiError(422, INVALID, {"period": [sentence_of(error)]}) from None
    try:
        job, joined = submit_recalculation(scheme, period.label, current_user().username,
                                           body.get("note", ""))
    except jobs.TooManyRecalculations as error:
        response = error_reply(429, sentence_of(error))
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    if job.state == "failed":
        raise KaoheError(job.message)
    if job.state == "done":
        return reply(RecalcResultSchema().dump(_run_record(job)),
                     headers={"Kaohe-Job": str(job.id), "Kaohe-Joined": "true" if joined else "false"})
    return reply(JobSchema().dump(_job_record(job, joined)), 202,
                 headers={"Location": f"{PREFIX}/jobs/{job.id}"})


@bp.route("/jobs/<int(max=2147483647):job_id>", methods=["GET"])
@operation(summary="查看计算任务的进度", tag="计分", roles=STAFF, response=JobSchema,
           description="状态、进度（计分时含正在计算的规则集）、完成后的计算编号或失败的原因。")
def job(job_id):
    found = RecalcJob.get_or_none(RecalcJob.id == job_id)
    if found is None:
        raise ApiError(404, say("没有编号为 {job} 的计算任务", job=job_id))
    return reply(JobSchema().dump(_job_record(found)))
