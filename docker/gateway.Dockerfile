# Gateway image (FastAPI, channels, broadcast): Python 3.11, the same pinned requirements as `make run`.
FROM python:3.11-slim
WORKDIR /app
COPY requirements/app.in requirements/app.lock.txt requirements/
RUN pip install --no-cache-dir -r requirements/app.in -c requirements/app.lock.txt
COPY pyproject.toml README.md alembic.ini Procfile ./
COPY api api
COPY channels channels
COPY broadcast broadcast
COPY cli cli
COPY xaso_text xaso_text
COPY knowledge knowledge
COPY nlu_data/nlu nlu_data/nlu
COPY scripts scripts
RUN pip install --no-cache-dir --no-deps -e .
ENV UVICORN_BIN=uvicorn XASO_GATEWAY_HOST=0.0.0.0
EXPOSE 8000
CMD ["scripts/start-gateway.sh"]
