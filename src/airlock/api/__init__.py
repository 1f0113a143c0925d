"""HTTP adapter: the ASGI application built by create_app()."""
