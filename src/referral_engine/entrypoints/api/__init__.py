"""The HTTP API: FastAPI app factory, dependencies, problem documents and routers."""
