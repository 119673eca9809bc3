"""The REST API (`journeys serve`) over HTTP: a real server on 127.0.0.1."""
