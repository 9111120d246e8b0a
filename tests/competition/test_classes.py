"""Class sets: import_devkit from meta.mat and from the TSVs, and the public class pages."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from challenge.competition.models import ClassSet, Synset
from challenge.competition.services import SHIPPED_ILSVRC2012

EDGE = Synset.parents.through


def snapshot(slug):
    class_set = ClassSet.objects.get(slug=slug)
    synsets = sorted(class_set.synsets.values_list("ilsvrc_id", "wnid", "words", "gloss", "is_leaf",
                                                   "wordnet_height", "num_train_images"))
    edges = sorted(EDGE.objects.filter(from_synset__class_set=class_set)
                   .values_list("to_synset__ilsvrc_id", "from_synset__ilsvrc_id"))
    return class_set, synsets, edges


@pytest.mark.django_db
def test_it_imports_the_same_class_set_from_meta_mat_and_from_the_tsvs(tmp_path):
    devkit = tmp_path / "devkit" / "data"
    devkit.mkdir(parents=True)
    (devkit / "meta.mat").write_bytes((SHIPPED_ILSVRC2012 / "meta.mat").read_bytes())
    out = StringIO()
    call_command("import_devkit", str(tmp_path / "devkit"), "--slug", "from-mat", stdout=out)
    assert "1000 classes, 1860 synsets, 1937 is-a edges" in out.getvalue()
    call_command("import_devkit", str(SHIPPED_ILSVRC2012), "--slug", "from-tsv", stdout=StringIO())

    mat_set, mat_synsets, mat_edges = snapshot("from-mat")
    tsv_set, tsv_synsets, tsv_edges = snapshot("from-tsv")
    assert len(mat_synsets) == 1860 and len(mat_edges) == 1937
    assert mat_synsets == tsv_synsets
    assert mat_edges == tsv_edges
    assert mat_set.n_classes == tsv_set.n_classes == 1000
    assert mat_synsets[0][:3] == (1, "n02119789", "kit fox, Vulpes macrotis")


@pytest.mark.django_db
def test_it_imports_twice_without_duplicating_anything():
    for _ in range(2):
        call_command("import_devkit", str(SHIPPED_ILSVRC2012 / "meta.mat"), "--slug", "twice", stdout=StringIO())
    class_set, synsets, edges = snapshot("twice")
    assert len(synsets) == 1860 and len(edges) == 1937
    assert ClassSet.objects.filter(slug="twice").count() == 1


@pytest.mark.django_db
def test_it_refuses_a_folder_without_a_devkit(tmp_path):
    with pytest.raises(CommandError, match="neither"):
        call_command("import_devkit", str(tmp_path), stdout=StringIO())
    (tmp_path / "meta.mat").write_bytes(b"not matlab at all")
    with pytest.raises(CommandError):
        call_command("import_devkit", str(tmp_path), stdout=StringIO())


@pytest.mark.django_db
def test_it_browses_from_entity_down_to_the_dog_breeds(client, world):
    index = client.get(reverse("challenge:classes", args=[world.year.slug]))
    assert index.status_code == 200
    assert b"entity" in index.content and b"1000 classes below" in index.content
    assert index.content.count(b"<tr><td>") >= 1000

    dog = Synset.objects.get(class_set=world.year.class_set, words__startswith="dog, domestic dog")
    page = client.get(reverse("challenge:class-detail", args=[world.year.slug, dog.wnid]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "118 classes" in text  # the 118 dog breeds of ILSVRC2012 (ids 152-269 are among them)
    assert "Siberian husky" in text and "entity" in text  # a leaf below, the root on the path above

    husky = client.get(reverse("challenge:class-detail", args=[world.year.slug, "n02110185"]))
    assert b"A class of the challenge" in husky.content and b"1300" in husky.content


@pytest.mark.django_db
def test_it_searches_classes_by_word_and_by_wnid(client, world):
    url = reverse("challenge:classes", args=[world.year.slug])
    by_word = client.get(url, {"q": "husky"}).content.decode()
    assert "n02110185" in by_word and "Siberian husky" in by_word
    by_wnid = client.get(url, {"q": "N02119789"}).content.decode()
    assert "kit fox" in by_wnid.split("All classes")[0]
    nothing = client.get(url, {"q": "zzzz-no-such"}).content.decode()
    assert "No class or synset matches" in nothing
    assert client.get(reverse("challenge:class-detail", args=[world.year.slug, "n99999999"])).status_code == 404


@pytest.mark.django_db
def test_it_hides_the_classes_of_a_draft_year_from_the_public(client, world):
    world.year.status = "draft"
    world.year.save()
    assert client.get(reverse("challenge:classes", args=[world.year.slug])).status_code == 404


@pytest.mark.django_db
def test_the_cached_hierarchy_follows_a_reimport():
    from challenge.competition.classes import hierarchy_of
    from challenge.competition.services import store_class_set

    def rows(words):
        return [
            dict(ilsvrc_id=1, wnid="n1", words=words, gloss="", is_leaf=True, wordnet_height=0, num_train_images=1),
            dict(ilsvrc_id=2, wnid="n2", words="root", gloss="", is_leaf=False, wordnet_height=1,
                 num_train_images=0),
        ]

    class_set = store_class_set(slug="tiny", name="Tiny", rows=rows("cat"), edges=[(2, 1)])
    first = hierarchy_of(class_set)
    assert hierarchy_of(class_set) is first  # built once
    assert first.synsets[1].words == "cat" and first.leaf_counts[2] == 1
    store_class_set(slug="tiny", name="Tiny", rows=rows("kitten"), edges=[(2, 1)])
    assert hierarchy_of(class_set).synsets[1].words == "kitten"
