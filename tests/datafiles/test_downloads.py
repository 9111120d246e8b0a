"""Hosted data files: organizer upload and registration, terms of access, Range on disk, presigned URLs on S3."""

import hashlib
import os
import urllib.request
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenge.audit.models import AuditEntry
from challenge.datafiles.models import DataFile, TermsAcceptance
from tests.base import PASSWORD

CONTENT = bytes(range(256)) * 40  # 10,240 bytes


def upload(client, year, *, name="devkit.tar.gz", content=CONTENT, title="Development kit"):
    return client.post(reverse("organize:data-files", args=[year.slug]), {
        "upload-title": title, "upload-description": "", "upload-file": SimpleUploadedFile(name, content)})


def download_url(data_file):
    return reverse("datafiles:download", args=[data_file.year.slug, data_file.pk, data_file.filename])


@pytest.fixture
def data_file(client, world):
    client.login(username="olivia", password=PASSWORD)
    assert upload(client, world.year).status_code == 302
    client.logout()
    return DataFile.objects.get(year=world.year)


@pytest.mark.django_db
def test_it_records_an_uploaded_file_with_size_and_sha256(client, world, data_file):
    assert data_file.size == len(CONTENT)
    assert data_file.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert data_file.storage_key.startswith("data/uploads/") and "devkit" not in data_file.storage_key
    assert AuditEntry.objects.filter(action="datafile.upload", target="devkit.tar.gz").exists()
    listing = client.get(reverse("datafiles:data-files", args=[world.year.slug])).content.decode()
    assert data_file.sha256 in listing and "10240 bytes" in listing


@pytest.mark.django_db
def test_it_refuses_uploads_over_the_limit(client, world, settings):
    settings.DATA_FILE_MAX_UPLOAD_BYTES = 100
    client.login(username="olivia", password=PASSWORD)
    response = upload(client, world.year)
    assert response.status_code == 400 and b"register its storage key" in response.content
    assert not DataFile.objects.exists()


@pytest.mark.django_db
def test_it_registers_a_file_already_in_storage_but_never_outside_data(client, world):
    key = default_storage.save("data/ILSVRC2030_img_val.tar", ContentFile(b"x" * 5000))
    default_storage.save("ground-truth/1/answers.txt", ContentFile(b"1\n2\n"))
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:data-files", args=[world.year.slug])
    refused = client.post(url, {"register-title": "GT", "register-storage_key": "ground-truth/1/answers.txt"})
    assert refused.status_code == 400 and b"Only storage keys under data/" in refused.content
    sneaky = client.post(url, {"register-title": "GT", "register-storage_key": "data/../ground-truth/1/answers.txt"})
    assert sneaky.status_code == 400
    missing = client.post(url, {"register-title": "Nope", "register-storage_key": "data/missing.tar"})
    assert b"No file with that storage key" in missing.content
    assert client.post(url, {"register-title": "Validation images", "register-storage_key": key}).status_code == 302
    data_file = DataFile.objects.get()
    assert (data_file.size, data_file.sha256) == (5000, hashlib.sha256(b"x" * 5000).hexdigest())
    assert data_file.filename == "ILSVRC2030_img_val.tar"


@pytest.mark.django_db
def test_it_requires_a_signed_in_user_who_accepted_the_terms(client, world, data_file):
    url = download_url(data_file)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    client.login(username="alice", password=PASSWORD)
    refused = client.get(url)
    assert refused.status_code == 403 and b"Accept the terms" in refused.content
    assert client.post(reverse("datafiles:accept-terms", args=[world.year.slug]), {}).status_code == 400
    assert client.post(reverse("datafiles:accept-terms", args=[world.year.slug]), {"accept": "on"}).status_code == 302
    acceptance = TermsAcceptance.objects.get(user=world.alice, year=world.year)
    assert acceptance.accepted_at is not None
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert response["Accept-Ranges"] == "bytes" and response["Content-Length"] == str(len(CONTENT))
    assert 'attachment; filename="devkit.tar.gz"' == response["Content-Disposition"]


@pytest.mark.django_db
def test_it_resumes_with_range_requests_on_local_storage(client, world, data_file):
    client.login(username="alice", password=PASSWORD)
    client.post(reverse("datafiles:accept-terms", args=[world.year.slug]), {"accept": "on"})
    url = download_url(data_file)
    cases = {
        "bytes=100-199": (100, 199), "bytes=10000-": (10000, 10239), "bytes=-40": (10200, 10239),
        "bytes=10200-999999": (10200, 10239),
    }
    for header, (first, last) in cases.items():
        response = client.get(url, HTTP_RANGE=header)
        assert response.status_code == 206, header
        assert response["Content-Range"] == f"bytes {first}-{last}/{len(CONTENT)}"
        assert b"".join(response.streaming_content) == CONTENT[first:last + 1]
    for header in ("bytes=10240-", "bytes=20000-30000", "bytes=-0"):
        response = client.get(url, HTTP_RANGE=header)
        assert response.status_code == 416, header
        assert response["Content-Range"] == f"bytes */{len(CONTENT)}"
    # A stale If-Range (the file changed) gets the whole file, as RFC 9110 says.
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"0000"')
    assert stale.status_code == 200 and b"".join(stale.streaming_content) == CONTENT
    fresh = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=f'"{data_file.sha256}"')
    assert fresh.status_code == 206
    head = client.head(url)
    assert head.status_code == 200 and head["Content-Length"] == str(len(CONTENT))
    assert head["ETag"] == f'"{data_file.sha256}"'


@pytest.mark.django_db
def test_it_never_serves_another_years_file(client, world, data_file):
    from tests.base import make_year

    other = make_year("y2099")
    client.login(username="alice", password=PASSWORD)
    client.post(reverse("datafiles:accept-terms", args=["y2099"]), {"accept": "on"})
    url = reverse("datafiles:download", args=["y2099", data_file.pk, data_file.filename])
    assert other.pk and client.get(url).status_code == 404


@pytest.fixture
def s3_storage(settings, monkeypatch):
    endpoint = os.environ.get("TEST_S3_ENDPOINT")
    if not endpoint:
        pytest.skip("TEST_S3_ENDPOINT is set by scripts/test")
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"data-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": bucket, "endpoint_url": endpoint, "addressing_style": "path",
                    "signature_version": "s3v4", "region_name": "us-east-1", "querystring_expire": 60},
    }}
    return endpoint, bucket


@pytest.mark.django_db
def test_it_redirects_to_a_short_lived_presigned_url_on_s3(client, world, s3_storage):
    endpoint, bucket = s3_storage
    from storages.backends.s3 import S3Storage

    assert isinstance(default_storage, S3Storage)
    key = default_storage.save("data/ILSVRC2030_devkit.tar.gz", ContentFile(CONTENT))
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:data-files", args=[world.year.slug])
    assert client.post(url, {"register-title": "Devkit", "register-storage_key": key}).status_code == 302
    assert upload(client, world.year, name="small.txt", content=b"hello\n", title="Small").status_code == 302
    client.logout()
    registered = DataFile.objects.get(filename="ILSVRC2030_devkit.tar.gz")
    assert registered.sha256 == hashlib.sha256(CONTENT).hexdigest()

    client.login(username="alice", password=PASSWORD)
    assert client.get(download_url(registered)).status_code == 403
    client.post(reverse("datafiles:accept-terms", args=[world.year.slug]), {"accept": "on"})
    response = client.get(download_url(registered))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{endpoint}/{bucket}/") and "X-Amz-Signature=" in location
    assert "X-Amz-Expires=60" in location
    with urllib.request.urlopen(location) as fetched:
        assert fetched.read() == CONTENT
        assert "ILSVRC2030_devkit.tar.gz" in fetched.headers["Content-Disposition"]
    small = DataFile.objects.get(filename="small.txt")
    with urllib.request.urlopen(client.get(download_url(small))["Location"]) as fetched:
        assert fetched.read() == b"hello\n"


@pytest.mark.django_db
def test_it_refuses_a_second_file_of_the_same_name_and_stores_nothing(client, world, data_file):
    client.login(username="olivia", password=PASSWORD)
    stored = set(default_storage.listdir(f"data/uploads/{world.year.pk}")[1])
    response = upload(client, world.year, content=b"other")
    assert response.status_code == 400 and b"already has a file named devkit.tar.gz" in response.content
    assert set(default_storage.listdir(f"data/uploads/{world.year.pk}")[1]) == stored
    key = default_storage.save("data/elsewhere/devkit.tar.gz", ContentFile(b"x"))
    url = reverse("organize:data-files", args=[world.year.slug])
    refused = client.post(url, {"register-title": "Again", "register-storage_key": key})
    assert refused.status_code == 400 and DataFile.objects.count() == 1


@pytest.mark.django_db
def test_removing_deletes_an_upload_but_keeps_a_registered_bucket_object(client, world, data_file):
    key = default_storage.save("data/ILSVRC2030_img_test.tar", ContentFile(b"y" * 10))
    client.login(username="olivia", password=PASSWORD)
    assert client.post(reverse("organize:data-files", args=[world.year.slug]),
                       {"register-title": "Test images", "register-storage_key": key}).status_code == 302
    registered = DataFile.objects.get(storage_key=key)
    for removed in (data_file, registered):
        url = reverse("organize:data-file-remove", args=[world.year.slug, removed.pk])
        assert client.post(url).status_code == 302
    assert not DataFile.objects.exists()
    assert not default_storage.exists(data_file.storage_key)
    assert default_storage.exists(key)
    assert AuditEntry.objects.filter(action="datafile.remove").count() == 2
