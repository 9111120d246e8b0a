"""Class sets: the synsets a year's labels come from, and their WordNet is-a hierarchy."""

from django.db import models
from django.utils import timezone


class ClassSet(models.Model):
    """A set of leaf classes with their ancestors, as one ILSVRC devkit defines them."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Leaf classes carry ids 1..n_classes; internal synsets come after (1001.. in ILSVRC2012).
    n_classes = models.PositiveIntegerField(default=1000)
    source = models.CharField(max_length=300, blank=True, help_text="Where the class set was imported from.")
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by every import: the per-process hierarchy caches compare it to know they are current.
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_classset"
        ordering = ["slug"]

    def __str__(self):
        return self.name


class SynsetQuerySet(models.QuerySet):
    def leaves(self):
        return self.filter(is_leaf=True)


class Synset(models.Model):
    """One WordNet synset of a class set: a leaf class (id 1..n_classes) or an ancestor."""

    class_set = models.ForeignKey(ClassSet, on_delete=models.CASCADE, related_name="synsets")
    ilsvrc_id = models.PositiveIntegerField()
    wnid = models.CharField(max_length=16)
    words = models.CharField(max_length=500)
    gloss = models.TextField(blank=True)
    is_leaf = models.BooleanField(default=False)
    wordnet_height = models.PositiveSmallIntegerField(default=0)
    num_train_images = models.PositiveIntegerField(default=0)
    # The ILSVRC2012 hierarchy is a DAG (75 synsets have two parents), hence many-to-many.
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children", blank=True,
                                     db_table="challenge_synset_parents")

    objects = SynsetQuerySet.as_manager()

    class Meta:
        db_table = "challenge_synset"
        ordering = ["class_set", "ilsvrc_id"]
        constraints = [
            models.UniqueConstraint(fields=["class_set", "ilsvrc_id"], name="synset_unique_id"),
            models.UniqueConstraint(fields=["class_set", "wnid"], name="synset_unique_wnid"),
        ]

    def __str__(self):
        return f"{self.ilsvrc_id} {self.wnid} {self.short_name}"

    @property
    def short_name(self) -> str:
        return self.words.split(",")[0]
