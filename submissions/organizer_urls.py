app_name = "organize_submissions"

urlpatterns: list = []
