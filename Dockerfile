# The production image: gunicorn web, Celery worker and Celery beat all run from it
# (see docker-compose.yml). Front-end assets are built in a Node stage and copied in.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static/scss static/scss
RUN mkdir -p static/build static/vendor/govuk static/vendor/htmx static/vendor/plotly \
 && npm run --silent build \
 && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/vendor/govuk/ \
 && cp -r node_modules/govuk-frontend/dist/govuk/assets static/vendor/govuk/ \
 && cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/ \
 && cp node_modules/plotly.js-dist-min/plotly.min.js static/vendor/plotly/

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_STATIC_ROOT=/app/staticfiles
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
COPY --from=assets /build/static/build static/build
COPY --from=assets /build/static/vendor static/vendor
# collectstatic needs settings but no real secret or database.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgresql://build@localhost/build \
    python manage.py collectstatic --no-input --verbosity 0
RUN useradd --create-home --uid 10001 app
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
