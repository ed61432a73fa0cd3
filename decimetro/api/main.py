from ninja import NinjaAPI

from decimetro.api.plan import router as plan_router
from decimetro.api.territory import router as territory_router

api = NinjaAPI(
    title="Decimetro API",
    version="1",
    description=(
        "API pubblica in sola lettura di Decimetro: il Piano strategico della Città metropolitana di Milano, "
        "il territorio e i progetti PNRR. Dati: Fonte: ISTAT; © ISTAT, elaborazione openpolis; "
        "Fonte: Italia Domani. Licenza CC BY 4.0."
    ),
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/plan", plan_router, tags=["Piano"])
api.add_router("/territory", territory_router, tags=["Territorio"])
