app_name = "organize"

urlpatterns: list = []
