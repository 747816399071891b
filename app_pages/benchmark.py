"""Benchmark: where this organisation stands among its peers, shown only as group figures.

The peer statistics are computed in the core over every organisation of the installation (and
imported benchmark packs); this page receives only aggregates (percentile ranks, medians,
quartiles, 10th and 90th percentiles, counts per source), never a peer's name, answer or score.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from access import Action
from exports.benchmark_pack import MAX_PACK_BYTES, BenchmarkPack, BenchmarkPackError, export_pack, read_pack
from exports.report import peer_benchmark
from scoring import OVERALL, BenchmarkResult, PeerFilter
from scoring.benchmark import LOCAL_SOURCE
from storage import connect
from storage.benchmark import import_benchmark_pack, list_benchmark_imports
from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS
from storage.errors import BenchmarkImportError
from ui.access import allowed, audited, record
from ui.charts import peer_boxes, radar
from ui.database import show_error
from ui.session import attempt, db, page_header, require_report
from ui.text import counted, md
from ui.uploads import finish_import, read_once, right_kind, uploader_key

ANY = "Any"
PERIODS = ("Any time", "Within the last years", "A range of years")
UPLOADER = "benchmark-pack-upload"


def sources_text(result: BenchmarkResult) -> str:
    """Say where the peers come from: this installation and each imported pack, with counts."""
    parts = [
        f"{count} from this installation" if source == LOCAL_SOURCE else f"{count} from {source} (imported pack)"
        for source, count in result.sources
    ]
    return "Peers: " + ("; ".join(parts) if parts else "none")


def choose_peer_filter() -> PeerFilter:
    """The peer group the user picks: industry, size band, region and period."""
    org = view.organisation
    with st.container(border=True):
        st.markdown("**Peer group**: the latest completed assessment of each other organisation on this questionnaire")
        a, b, c = st.columns(3)
        industry = a.selectbox(
            "Industry", [ANY, *INDUSTRIES], key="benchmark-industry", help=f"This one: {org.industry}"
        )
        size_band = b.selectbox(
            "Size band", [ANY, *SIZE_BANDS], key="benchmark-size", help=f"This one: {org.size_band}"
        )
        region = c.selectbox("Region", [ANY, *REGIONS], key="benchmark-region", help=f"This one: {org.region}")
        period = st.radio("Period", PERIODS, horizontal=True, key="benchmark-period")
        this_year = date.today().year
        year_from: int | None = None
        year_to: int | None = None
        if period == PERIODS[1]:
            years = st.number_input("Years", min_value=1, max_value=25, value=3, step=1, key="benchmark-years")
            year_from = this_year - int(years) + 1
            st.caption(f"Peers whose latest completed assessment is dated {year_from} or later.")
        elif period == PERIODS[2]:
            left, right = st.columns(2)
            year_from = int(left.number_input("From", 2000, 2100, this_year - 2, key="benchmark-from"))
            year_to = int(right.number_input("To", 2000, 2100, this_year, key="benchmark-to"))
            if year_to < year_from:
                st.warning("The range ends before it starts; the years are taken the other way round.")
                year_from, year_to = year_to, year_from
    return PeerFilter(
        industry=None if industry == ANY else industry,
        size_band=None if size_band == ANY else size_band,
        region=None if region == ANY else region,
        year_from=year_from,
        year_to=year_to,
    )


def number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def show_figures(result: BenchmarkResult) -> None:
    """Percentile ranks, medians and quartiles overall and per domain, the box plot and the radar."""
    overall = result.figure(OVERALL)
    if overall is not None and overall.median is not None:
        a, b, c = st.columns(3)
        a.metric(
            "Overall percentile rank",
            number(overall.percentile_rank, 0),
            help="Share of peers scoring lower (peers level with this score count half).",
            border=True,
        )
        b.metric("Peer median", number(overall.median), border=True)
        c.metric("Middle half of peers", f"{number(overall.q1)} – {number(overall.q3)}", border=True)
    names = {OVERALL: "Overall"} | {d.id: d.name for d in view.questionnaire.domains}
    table = pd.DataFrame(
        [
            {
                "Score": names.get(f.score_id, f.score_id),
                "This organisation": None if f.subject_score is None else round(f.subject_score, 2),
                "Percentile rank": None if f.percentile_rank is None else round(f.percentile_rank),
                "Peer Q1": None if f.q1 is None else round(f.q1, 2),
                "Peer median": None if f.median is None else round(f.median, 2),
                "Peer Q3": None if f.q3 is None else round(f.q3, 2),
                "Peers scored": f.n,
                "Note": f.reason or "",
            }
            for f in result.figures
        ]
    )
    scores = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "This organisation": scores,
            "Percentile rank": st.column_config.NumberColumn(format="%d"),
            "Peer Q1": scores,
            "Peer median": scores,
            "Peer Q3": scores,
        },
    )
    st.plotly_chart(peer_boxes(result, view.questionnaire, title="This organisation among its peers"))
    st.plotly_chart(radar(view.score, view.questionnaire, result, title="Domain scores, targets and peer median"))


def pack_export() -> None:
    """The download of this installation's anonymised scores as a benchmark pack."""
    st.download_button(
        "Export a benchmark pack (.csv)",
        data=audited(lambda: export_pack(connect()), "exported a benchmark pack"),
        file_name=f"benchmark-pack-{date.today():%Y-%m-%d}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="benchmark-pack-export",
        help="Domain scores of every organisation by industry, size band, region and year: no names, no ids, "
        "no answers, and only groups of 5 or more organisations.",
    )


def pack_import(upload: UploadedFile) -> None:
    """Check an uploaded pack row by row and import it whole under the source named."""
    if upload.size > MAX_PACK_BYTES:
        st.error(f"{upload.name} is {upload.size:,} bytes; a pack may hold {MAX_PACK_BYTES:,}. Split it.")
        return

    def read(raw: bytes) -> BenchmarkPack | BenchmarkPackError:
        try:
            return read_pack(raw, upload.name)
        except BenchmarkPackError as exc:
            return exc

    pack = read_once(upload, "benchmark-pack", read)
    if isinstance(pack, BenchmarkPackError):
        st.error(md(f"{upload.name}: nothing is imported until these problems are fixed in the file."))
        st.dataframe(pd.DataFrame({"Problem": list(pack.problems)}), hide_index=True)
        return
    st.markdown(md(f"{upload.name}: {pack.organisations} peer organisations, every row checked."))
    source = st.text_input("Source", key="benchmark-pack-source", help="Who the pack comes from, e.g. a partner firm.")
    if not st.button("Import the pack", type="primary", disabled=not (source and source.strip())):
        return
    try:
        imported = import_benchmark_pack(db(), source, pack.content_hash, list(pack.rows))
    except BenchmarkImportError as exc:
        show_error(exc)
        return
    record("imported a benchmark pack", None, f"{imported.row_count} rows from {imported.source}")
    st.session_state.pop("benchmark-pack-source", None)
    finish_import(md(f"Imported {imported.row_count} peers from {imported.source}."), UPLOADER)


def packs_expander() -> None:
    """Export and import of benchmark packs, for administrators (the owner in personal mode)."""
    with st.expander("Benchmark packs: share anonymised scores with other installations"):
        flash = st.session_state.pop("data-flash", None)
        if flash is not None:
            st.success(flash, icon=":material/check_circle:")
        pack_export()
        upload = st.file_uploader("Import a benchmark pack (.csv)", key=uploader_key(UPLOADER))
        if upload is not None and right_kind(
            upload, (".csv",), "a benchmark pack", "export one with the button above in the other installation."
        ):
            pack_import(upload)
        imports = list_benchmark_imports(db())
        if imports:
            st.caption("Imported so far")
            st.dataframe(
                pd.DataFrame(
                    [
                        {"Source": i.source, "Imported": f"{i.imported_at:%Y-%m-%d}", "Peers": i.row_count}
                        for i in imports
                    ]
                ),
                hide_index=True,
            )


view = require_report()
page_header("Benchmark", view)
peer_filter = choose_peer_filter()
result = attempt(lambda: peer_benchmark(db(), view, peer_filter))
if result is not None:
    if result.available:
        st.caption(md(f"{sources_text(result)}. Group figures only: no other organisation is named or shown."))
        show_figures(result)
    else:
        st.info(
            f"No peer figures: {counted(result.n, 'peer organisation')} {'matches' if result.n == 1 else 'match'} "
            f"this group, and figures need at least "
            f"{result.min_peer_group} so that no organisation can be singled out. {result.missing} more "
            "needed: widen the group (any industry, size band or region, a longer period) or import a "
            "benchmark pack.",
            icon=":material/group_off:",
        )
        if result.sources:
            st.caption(md(sources_text(result)))
        st.plotly_chart(radar(view.score, view.questionnaire, title="Domain scores and targets"))
if allowed(Action.BENCHMARK_PACKS):
    packs_expander()
