"""The error shapes of each Platform layer, as JSON responses.

* gateway: ``{"error_code": "401013", "message": "Oauth token is not valid"}``
* problem (Catalog, content type, 5xx): ``{"type", "status", "title", "detail"}``
* UPS: ``{"requestId", "errors": {"404": [{"code", "message"}]}, "type", "title", "status"}``
* OAuth (IMS): ``{"error", "error_description"}``
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response


class ApiError(Exception):
    """Raised by handlers and validators; carries the response to send."""

    def __init__(self, response: Response) -> None:
        super().__init__(getattr(response, "status_code", 400))
        self.response = response


def gateway(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error_code": code, "message": message}, status_code=status, headers=headers)


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"type": "/placeholder/type/uri", "status": status, "title": title, "detail": detail},
                        status_code=status, media_type="application/problem+json")


UPS_CODES = {400: "UPAPI-113400-400", 404: "UPAPI-113430-404", 413: "UPAPI-113413-413"}
UPS_TITLES = {400: "Bad Request", 404: "Not Found", 413: "Payload Too Large"}


def ups(status: int, message: str, request_id: str) -> JSONResponse:
    code = UPS_CODES.get(status, f"UPAPI-113{status}-{status}")
    return JSONResponse({
        "requestId": request_id,
        "errors": {str(status): [{"code": code, "message": message}]},
        "type": f"https://ns.adobe.com/aep/errors/{code}",
        "title": UPS_TITLES.get(status, "Error"),
        "status": status,
    }, status_code=status)


def oauth(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)
