"""The dispatcher desk: the /desk page and the customers/orders/desk/streets JSON API."""

from web.desk.blueprint import bp
from web.desk import customers_api, orders_api, page  # noqa: F401  (routes on bp)

__all__ = ["bp"]
