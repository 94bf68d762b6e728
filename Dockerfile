# One image for web, worker and beat (docker-compose.yml).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only-not-secret DJANGO_DEBUG=false python manage.py collectstatic --noinput
RUN useradd --create-home expoplan && mkdir -p /app/var && chown -R expoplan /app/var
USER expoplan
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
