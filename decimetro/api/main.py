from ninja import NinjaAPI

from decimetro.api import errors
from decimetro.api.linking import router as linking_router
from decimetro.api.monitoring import router as monitoring_router
from decimetro.api.participation import router as participation_router
from decimetro.api.plan import router as plan_router
from decimetro.api.pnrr import measures_router as pnrr_measures_router
from decimetro.api.pnrr import projects_router as pnrr_projects_router
from decimetro.api.pnrr import territory_router as pnrr_territory_router
from decimetro.api.search import router as search_router
from decimetro.api.summary import router as summary_router
from decimetro.api.territory import router as territory_router
from decimetro.api.territory_map import router as territory_map_router
from decimetro.api.writes import router as writes_router
from decimetro.core.credits import CC_BY_4
from decimetro.pnrr.credits import ITALIA_DOMANI
from decimetro.territory.credits import BOUNDARIES, ISTAT

api = NinjaAPI(
    title="Decimetro API",
    version="1",
    description=(
        "API di Decimetro: il Piano strategico della Città metropolitana di Milano, il territorio e i "
        "progetti PNRR. La lettura è pubblica; le operazioni di scrittura (obiettivi del DUP, valori degli "
        "indicatori, verifiche sul campo) chiedono il token di un'organizzazione "
        "(`Authorization: Bearer <token>`) e scrivono con i suoi diritti. "
        f"Dati: {ISTAT.text}; {BOUNDARIES.text}; {ITALIA_DOMANI}. Licenza {CC_BY_4}."
    ),
    urls_namespace="api",
    docs_url="/docs",
)
errors.install(api)
api.add_router("/plan", plan_router, tags=["Piano"])
api.add_router("/territory", territory_router, tags=["Territorio"])
api.add_router("/projects", pnrr_projects_router, tags=["PNRR"])
api.add_router("/pnrr", pnrr_measures_router, tags=["PNRR"])
# The comune with its PNRR totals: same /territory prefix, routes of decimetro/api/pnrr.py.
api.add_router("/territory", pnrr_territory_router, tags=["Territorio"])
# The Web GIS values (one metric per comune and zone): decimetro/api/territory_map.py.
api.add_router("/territory", territory_map_router, tags=["Territorio"])
# The territory's headline figures with their definitions and dataset dates: decimetro/api/summary.py.
api.add_router("/territory", summary_router, tags=["Territorio"])
api.add_router("/linking", linking_router, tags=["Collegamenti"])
api.add_router("/monitoring", monitoring_router, tags=["Monitoraggio"])
api.add_router("/participation", participation_router, tags=["Partecipazione"])
# One box over everything: decimetro/api/search.py (the index: decimetro/search/).
api.add_router("/search", search_router, tags=["Ricerca"])
# The writes of other systems, with an organisation's token (paths under /participation, /monitoring,
# /projects): decimetro/api/writes.py.
api.add_router("", writes_router, tags=["Scrittura (con token)"])
